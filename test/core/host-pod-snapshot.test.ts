// The host watch's snapshot carries everything sync's comparison reads: for every change a live host pod
// allows, the plan made from the snapshot is the plan made from the whole host pod; and it carries none of
// what may hold a tenant's secrets (env, commands, volumes).
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodSnapshot } from '../../functions/_shared/core/host-pod-snapshot.js';
import { planPodSync } from '../../functions/_shared/core/plan.js';
import { translatePod, type TranslateContext } from '../../functions/_shared/core/translate-pod.js';

const ctx: TranslateContext = { vcluster: 'vc', hostNamespace: 'vc-host', syncEphemeralContainers: true };
const now = new Date('2026-11-26T12:00:00Z');

function virtualPod(): V1Pod {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'v-uid-1', resourceVersion: '7', labels: { app: 'web' }, annotations: { team: 'a' } },
    spec: {
      initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'] }],
      containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'PASSWORD', value: 'hunter2' }] }],
      tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
      activeDeadlineSeconds: 600,
      schedulingGates: [{ name: 'wait' }],
    },
    status: { phase: 'Pending' },
  };
}

/** The host pod as podferry created it and the host filled it in: scheduled, running. */
function hostPod(virtual: V1Pod): V1Pod {
  const pod = translatePod(virtual, ctx);
  return {
    ...pod,
    metadata: { ...pod.metadata, uid: 'h-uid-1', resourceVersion: '40' },
    spec: { ...pod.spec!, nodeName: 'node-1', ephemeralContainers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

const cases: Array<[string, (v: V1Pod) => void, (h: V1Pod) => void]> = [
  ['nothing changed', () => {}, () => {}],
  ['a virtual label changed', (v) => { v.metadata!.labels!.app = 'web-2'; }, () => {}],
  ['a virtual annotation removed', (v) => { delete v.metadata!.annotations!.team; }, () => {}],
  ['a container image changed', (v) => { v.spec!.containers[0].image = 'nginx:1.28'; }, () => {}],
  ['an init container image changed', (v) => { v.spec!.initContainers![0].image = 'busybox:1.37'; }, () => {}],
  ['activeDeadlineSeconds shortened', (v) => { v.spec!.activeDeadlineSeconds = 60; }, () => {}],
  ['a toleration added', (v) => { v.spec!.tolerations!.push({ key: 'spot', operator: 'Exists' }); }, () => {}],
  ['a scheduling gate removed', (v) => { v.spec!.schedulingGates = []; }, () => {}],
  ['an ephemeral container added (kubectl debug)', (v) => { v.spec!.ephemeralContainers = [{ name: 'debug', image: 'busybox:1.36', targetContainerName: 'web' }]; }, () => {}],
  ['the host pod image tampered with on the host', () => {}, (h) => { h.spec!.containers[0].image = 'evil:1'; }],
  ['the host pod deleting', () => {}, (h) => { h.metadata!.deletionTimestamp = now; }],
];

t.test('when the virtual or host pod changed, then the plan from the snapshot is the plan from the whole host pod', async (t) => {
  for (const [what, changeVirtual, changeHost] of cases) {
    const v0 = virtualPod();
    const host = hostPod(v0);
    const virtual = virtualPod();
    changeVirtual(virtual);
    changeHost(host);
    const snapshot = JSON.parse(JSON.stringify(hostPodSnapshot(host))) as V1Pod;
    const input = { virtualPod: virtual, ref: { namespace: 'default', name: 'web' }, ctx, now };
    t.same(planPodSync({ ...input, hostPod: snapshot }), planPodSync({ ...input, hostPod: host }), what);
  }
});

t.test('when a snapshot is taken, then no env, command or volume of the pod is in it', async (t) => {
  const host = hostPod(virtualPod());
  host.spec!.volumes = [{ name: 'secret', secret: { secretName: 'db' } }];
  const text = JSON.stringify(hostPodSnapshot(host));
  for (const leak of ['hunter2', 'PASSWORD', 'command', 'volumes', 'secretName']) t.notMatch(text, leak, `no ${leak}`);
  t.match(text, 'nginx:1.27', 'images are kept');
});
