import t from 'tap';
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { ephemeralContainersSettled, isPodFinished, isPodReady, statusDiffers, statusMergePatch, translateStatus } from '../../functions/_shared/core/translate-status.js';
import { statusFingerprint } from '../../functions/_shared/core/status-fingerprint.js';

function runningHostPod(): V1Pod {
  return {
    metadata: { name: 'web-x-default-x-vc', namespace: 'h' },
    spec: { nodeName: 'node-1', containers: [{ name: 'web' }, { name: 'istio-proxy' }] },
    status: {
      phase: 'Running',
      observedGeneration: 3,
      conditions: [
        { type: 'PodScheduled', status: 'True', observedGeneration: 3, lastTransitionTime: new Date('2026-11-26T10:00:01Z') },
        { type: 'Ready', status: 'True', lastTransitionTime: new Date('2026-11-26T10:00:05Z') },
      ],
      hostIP: '192.168.1.10', hostIPs: [{ ip: '192.168.1.10' }],
      podIP: '10.42.0.7', podIPs: [{ ip: '10.42.0.7' }],
      startTime: new Date('2026-11-26T10:00:02Z'),
      qosClass: 'Burstable',
      nominatedNodeName: 'node-2',
      containerStatuses: [
        { name: 'web', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: 'sha', started: true, state: { running: { startedAt: new Date('2026-11-26T10:00:03Z') } } },
        { name: 'istio-proxy', ready: true, restartCount: 0, image: 'proxy', imageID: 'sha2' },
      ],
    },
  };
}

t.test('when a running host pod is translated alone, then every carried field is copied and host-only ones dropped', async (t) => {
  const s = translateStatus(runningHostPod());
  t.equal(s.phase, 'Running');
  t.equal(s.podIP, '10.42.0.7');
  t.same(s.podIPs, [{ ip: '10.42.0.7' }]);
  t.equal(s.hostIP, '192.168.1.10');
  t.same(s.hostIPs, [{ ip: '192.168.1.10' }]);
  t.same(s.startTime, new Date('2026-11-26T10:00:02Z'));
  t.equal(s.qosClass, 'Burstable');
  t.equal(s.nominatedNodeName, undefined);
  t.equal(s.observedGeneration, undefined);
  t.equal(s.conditions![0].observedGeneration, undefined);
  t.equal(s.containerStatuses!.length, 2);
});

t.test('when the virtual pod is given, then qosClass stays virtual and injected sidecars are hidden', async (t) => {
  const virtualPod: V1Pod = { spec: { containers: [{ name: 'web' }] }, status: { phase: 'Pending', qosClass: 'BestEffort' } };
  const s = translateStatus(runningHostPod(), virtualPod);
  t.equal(s.qosClass, 'BestEffort');
  t.same(s.containerStatuses!.map((c) => c.name), ['web']);
});

t.test('when the virtual side set a readiness-gate condition the host lacks, then it is kept', async (t) => {
  const virtualPod: V1Pod = {
    spec: { containers: [{ name: 'web' }], readinessGates: [{ conditionType: 'example.com/lb' }] },
    status: { conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'Stale', status: 'True' }] },
  };
  const s = translateStatus(runningHostPod(), virtualPod);
  t.same(s.conditions!.map((c) => c.type), ['PodScheduled', 'Ready', 'example.com/lb']);
});

t.test('when the host pod has no status, then the virtual status is empty', async (t) => {
  t.same(translateStatus({ metadata: {} }), {});
});

const base: V1PodStatus = { phase: 'Running', podIP: '10.0.0.1', startTime: new Date('2026-11-26T10:00:00Z'), conditions: [{ type: 'Ready', status: 'True' }] };
const differs: Array<{ when: string; current: V1PodStatus | undefined; desired: V1PodStatus; want: boolean }> = [
  { when: 'both are the same object', current: base, desired: base, want: false },
  { when: 'keys are in another order', current: { conditions: [{ status: 'True', type: 'Ready' }], startTime: base.startTime, podIP: '10.0.0.1', phase: 'Running' }, desired: base, want: false },
  { when: 'a field is undefined on one side and absent on the other', current: { ...base, reason: undefined }, desired: base, want: false },
  { when: 'a timestamp is a Date on one side and an RFC 3339 string on the other', current: { ...base, startTime: '2026-11-26T10:00:00Z' as unknown as Date }, desired: base, want: false },
  { when: 'a timestamp carries milliseconds the API server drops', current: { ...base, startTime: new Date('2026-11-26T10:00:00.734Z') }, desired: base, want: false },
  { when: 'a timestamp is a second later', current: { ...base, startTime: new Date('2026-11-26T10:00:01Z') }, desired: base, want: true },
  { when: 'the virtual API server set a field podferry does not manage', current: { ...base, observedGeneration: 2, nominatedNodeName: 'n' }, desired: base, want: false },
  { when: 'the phase changed', current: base, desired: { ...base, phase: 'Succeeded' }, want: true },
  { when: 'a condition flipped', current: base, desired: { ...base, conditions: [{ type: 'Ready', status: 'False' }] }, want: true },
  { when: 'the pod IP appeared', current: { phase: 'Running' }, desired: { phase: 'Running', podIP: '10.0.0.1' }, want: true },
  { when: 'the pod IP disappeared', current: base, desired: { ...base, podIP: undefined }, want: true },
  { when: 'there is no current status yet', current: undefined, desired: base, want: true },
  { when: 'there is no current status and nothing to report', current: undefined, desired: {}, want: false },
];
for (const c of differs) {
  t.test(`when ${c.when}, then statusDiffers is ${c.want}`, async (t) => {
    t.equal(statusDiffers(c.current, c.desired), c.want);
  });
}

t.test('when a managed field disappeared, then the merge patch clears it with null and skips what is equal', async (t) => {
  t.same(statusMergePatch({ phase: 'Running', podIP: '10.0.0.1', hostIP: 'h', observedGeneration: 1 }, { phase: 'Failed', hostIP: 'h' }), { status: { phase: 'Failed', podIP: null } });
  t.same(statusMergePatch(base, { ...base }), { status: {} });
  t.same(statusMergePatch(undefined, base), { status: base });
});

const readiness: Array<[string, V1Pod | undefined, boolean, boolean]> = [
  ['Ready=True and Running', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, true, false],
  ['Ready=False', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } }, false, false],
  ['Succeeded', { status: { phase: 'Succeeded' } }, false, true],
  ['Failed', { status: { phase: 'Failed' } }, false, true],
  ['no status', { metadata: {} }, false, false],
  ['no pod', undefined, false, false],
];
for (const [when, pod, ready, finished] of readiness) {
  t.test(`when the pod is ${when}, then ready=${ready} and finished=${finished}`, async (t) => {
    t.equal(isPodReady(pod), ready);
    t.equal(isPodFinished(pod), finished);
  });
}

t.test('when the host kubelet reports a kubectl debug container, then its status comes back only for containers the virtual pod declares', async (t) => {
  const host = runningHostPod();
  host.status!.ephemeralContainerStatuses = [
    { name: 'debugger', ready: false, restartCount: 0, image: 'busybox', imageID: 'sha3', state: { running: { startedAt: new Date('2026-11-26T10:01:00Z') } } },
    { name: 'host-only-debugger', ready: false, restartCount: 0, image: 'busybox', imageID: 'sha3' },
  ];
  const virtual: V1Pod = { metadata: { name: 'web' }, spec: { containers: [{ name: 'web' }], ephemeralContainers: [{ name: 'debugger', image: 'busybox' }] }, status: {} };
  const s = translateStatus(host, virtual);
  t.same(s.ephemeralContainerStatuses?.map((c) => c.name), ['debugger']);
  t.ok(s.ephemeralContainerStatuses?.[0].state?.running, 'kubectl debug waits for this state');
  t.ok(statusDiffers(virtual.status, s), 'a new debug container status is reported');
});

t.test('when a debug container is added to a Ready pod, then the pod is worth following until it starts, and its start is drift', async (t) => {
  const host = runningHostPod();
  t.ok(ephemeralContainersSettled(host), 'no ephemeral container: nothing to wait for');
  host.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
  const before = statusFingerprint(host.status);
  t.notOk(ephemeralContainersSettled(host), 'added, no status yet');
  host.status!.ephemeralContainerStatuses = [{ name: 'debugger', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }];
  t.notOk(ephemeralContainersSettled(host), 'still creating');
  host.status!.ephemeralContainerStatuses[0].state = { running: { startedAt: new Date() } };
  t.ok(ephemeralContainersSettled(host), 'running');
  t.not(statusFingerprint(host.status), before, 'resync sees the debug container start');
});
