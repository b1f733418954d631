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

t.test('when the seen virtual pod is known in sync with the host state a look finds, then "in sync" is trusted, and never for another host state', async (t) => {
  const inSync = { type: 'nothing', reason: 'in-sync' };
  const rows: Array<[what: string, plan: { type: string; reason?: string }, hostRv: string | undefined, seen: { inSyncWithHost?: string } | undefined, trusted: boolean]> = [
    ['the same host state the copy reflects: nothing moved on the host', inSync, '41', { inSyncWithHost: '41' }, true],
    ['a newer host state (kubectl debug added a container): read the API', inSync, '42', { inSyncWithHost: '41' }, false],
    ['the copy was read, never found in sync', inSync, '41', {}, false],
    ['no copy', inSync, '41', undefined, false],
    ['a host pod without a resourceVersion', inSync, undefined, { inSyncWithHost: '41' }, false],
    ['another "nothing" is never trusted from a copy', { type: 'nothing', reason: 'virtual-finished' }, '41', { inSyncWithHost: '41' }, false],
    ['a handover to sync is judged from the API', { type: 'converge-host' }, '41', { inSyncWithHost: '41' }, false],
    ['a report stays trusted', { type: 'report-status' }, '42', { inSyncWithHost: '41' }, true],
  ];
  for (const [what, plan, hostRv, seen, trusted] of rows) t.equal(trustedFromSeenVirtual(plan, hostRv, seen), trusted, what);
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
  const stored = { ...pod, metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '12', creationTimestamp: created.toISOString(), labels: { app: 'web' } } };
  t.same(decodeSeenVirtualPod(text), { pod: stored });
  t.same(decodeSeenVirtualPod(encodeSeenVirtualPod(pod, '41')), { pod: stored, inSyncWithHost: '41' }, 'the host state it is in sync with rides beside the pod, not in it');
  t.equal(decodeSeenVirtualPod('{not json'), undefined, 'unreadable: as if nothing were remembered');
  t.equal(decodeSeenVirtualPod('{"metadata":{"name":"web"}}'), undefined, 'without a resourceVersion nothing can be preconditioned on it');
});
