import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { decodeSeenVirtualPod, encodeSeenVirtualPod, trustedFromSeenVirtual } from '../../functions/_shared/core/seen-virtual-pod.js';

t.test('when a plan comes from the seen virtual pod, then only a report, conditional on the copy, is trusted', async (t) => {
  const rows: Array<[plan: { type: string; reason?: string }, trusted: boolean]> = [
    [{ type: 'report-status' }, true], // preconditioned on the copy's resourceVersion: a stale copy gets a 409
    // A copy from before the user's change (kubectl debug's ephemeral container) makes a needed report look
    // unneeded: "nothing" is only believed from the virtual API.
    [{ type: 'nothing', reason: 'in-sync' }, false],
    [{ type: 'nothing', reason: 'waiting-for-host-delete' }, false],
    [{ type: 'nothing', reason: 'virtual-finished' }, false], // would stop following the pod
    [{ type: 'nothing', reason: 'controlled-elsewhere' }, false],
    [{ type: 'conflict' }, false], // the copy may be of an earlier pod of that name
    [{ type: 'refuse-host' }, false],
    [{ type: 'converge-host' }, false], // handed to sync: judged from the API's answer
    [{ type: 'delete-host' }, false],
    [{ type: 'finalize-virtual' }, false],
  ];
  for (const [plan, trusted] of rows) t.equal(trustedFromSeenVirtual(plan), trusted, `${plan.type}${plan.reason ? ` (${plan.reason})` : ''}`);
});

t.test('when a virtual pod is remembered, then it is stored without managedFields and read back as it was', async (t) => {
  const created = new Date('2026-12-02T05:00:00Z');
  const pod: V1Pod = {
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '12', creationTimestamp: created, labels: { app: 'web' }, managedFields: [{ manager: 'kubectl', operation: 'Update' }] },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
    status: { phase: 'Pending' },
  };
  const text = encodeSeenVirtualPod(pod);
  t.notMatch(text, /managedFields/);
  t.same(decodeSeenVirtualPod(text), { ...pod, metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '12', creationTimestamp: created.toISOString(), labels: { app: 'web' } } });
  t.equal(decodeSeenVirtualPod('{not json'), undefined, 'unreadable: as if nothing were remembered');
  t.equal(decodeSeenVirtualPod('{"metadata":{"name":"web"}}'), undefined, 'without a resourceVersion nothing can be preconditioned on it');
});
