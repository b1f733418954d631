import t from 'tap';
import { desiredStatus, podConditions, podPhase, qosClass, statusPatch, type ContainerRuntime, type PodRuntime } from '../../infra/kube-sim/pod-lifecycle.js';
import { missingReferences, podReferences } from '../../infra/kube-sim/pod-references.js';
import { backOffMs, defaultPullPolicy, goDuration, imageBehaviour, imageId, normalizedImage } from '../../infra/kube-sim/sim-images.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

const now = new Date('2026-01-02T03:04:05.678Z');
const running = (name: string, ready = true): ContainerRuntime => ({ name, image: 'nginx', imageID: 'x', state: { running: { startedAt: 't' } }, lastState: {}, restartCount: 0, started: true, ready });
const waitingC = (name: string, reason = 'ContainerCreating', restarted = false): ContainerRuntime => ({
  name, image: 'nginx', imageID: '', state: { waiting: { reason } }, lastState: restarted ? { terminated: { exitCode: 1, reason: 'Error', finishedAt: 't' } } : {}, restartCount: restarted ? 1 : 0, started: false, ready: false,
});
const exited = (name: string, exitCode: number): ContainerRuntime => ({
  name, image: 'nginx', imageID: 'x', state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', finishedAt: 't' } }, lastState: {}, restartCount: 0, started: false, ready: false,
});
const rt = (containers: ContainerRuntime[], extra: Partial<PodRuntime> = {}): PodRuntime => ({
  hostIP: '172.18.0.2', startTime: 't', sandboxReady: true, initContainers: [], containers, terminal: false, ...extra,
});
const pod = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec, status });

t.test('when containers are in given states, then the phase follows the kubelet\'s getPhase', async (t) => {
  const cases: Array<[string, string, PodRuntime, string]> = [
    ['nothing started', 'Always', rt([waitingC('a')]), 'Pending'],
    ['one running, one creating', 'Always', rt([running('a'), waitingC('b')]), 'Pending'],
    ['all running', 'Always', rt([running('a'), running('b')]), 'Running'],
    ['crash looping', 'Always', rt([waitingC('a', 'CrashLoopBackOff', true)]), 'Running'],
    ['exit 0 under Always', 'Always', rt([exited('a', 0)]), 'Running'],
    ['exit 0 under Never', 'Never', rt([exited('a', 0)]), 'Succeeded'],
    ['exit 1 under Never', 'Never', rt([exited('a', 1)]), 'Failed'],
    ['exit 0 under OnFailure', 'OnFailure', rt([exited('a', 0)]), 'Succeeded'],
    ['exit 1 under OnFailure', 'OnFailure', rt([exited('a', 1)]), 'Running'],
    ['one still running', 'Never', rt([exited('a', 0), running('b')]), 'Running'],
    ['torn down under Always, all 0', 'Always', rt([exited('a', 0)], { terminal: true }), 'Succeeded'],
    ['torn down before start', 'Always', rt([waitingC('a')], { terminal: true }), 'Failed'],
    ['init running', 'Always', rt([waitingC('a', 'PodInitializing')], { initContainers: [running('i', false)] }), 'Pending'],
    ['init failed under Never', 'Never', rt([waitingC('a', 'PodInitializing')], { initContainers: [exited('i', 1)] }), 'Failed'],
  ];
  for (const [name, policy, runtime, want] of cases) t.equal(podPhase(policy, runtime), want, name);
});

t.test('when resources are set, then the QoS class is Guaranteed, Burstable or BestEffort', async (t) => {
  const c = (resources?: Record<string, unknown>) => ({ containers: [{ name: 'a', image: 'x', resources }] });
  t.equal(qosClass(pod(c())), 'BestEffort');
  t.equal(qosClass(pod(c({ requests: { cpu: '100m' } }))), 'Burstable');
  t.equal(qosClass(pod(c({ limits: { cpu: '1', memory: '1Gi' } }))), 'Guaranteed', 'requests default to limits');
  t.equal(qosClass(pod(c({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } }))), 'Burstable');
});

t.test('when conditions are built, then they come in the kubelet\'s order with its reasons, keeping foreign ones first', async (t) => {
  const old = [
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2020-01-01T00:00:00Z' },
    { type: 'example.com/gate', status: 'False', lastProbeTime: null, lastTransitionTime: '2020-01-01T00:00:00Z' },
  ];
  const p = pod({ readinessGates: [{ conditionType: 'example.com/gate' }] }, { conditions: old });
  const conds = podConditions(p, rt([running('b'), running('a', false), waitingC('c')]), 'Pending', now);
  t.same(conds.map((c) => c.type), ['example.com/gate', 'PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  t.match(conds[3], { status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [a c]' });
  t.equal(conds[5]!.lastTransitionTime, '2020-01-01T00:00:00Z', 'unchanged status keeps its transition time');
  t.equal(conds[1]!.lastTransitionTime, '2026-01-02T03:04:05Z', 'new conditions get now, in whole seconds');

  const allReady = podConditions(p, rt([running('a')]), 'Running', now);
  t.match(allReady.find((c) => c.type === 'ContainersReady'), { status: 'True' });
  t.match(allReady.find((c) => c.type === 'Ready'), { status: 'False', reason: 'ReadinessGatesNotReady' });

  const failed = podConditions(pod(), rt([exited('a', 1)]), 'Failed', now);
  t.match(failed.find((c) => c.type === 'Ready'), { status: 'False', reason: 'PodFailed' });
  t.match(failed.find((c) => c.type === 'PodReadyToStartContainers'), { status: 'False' });

  const initing = podConditions(pod(), rt([waitingC('a', 'PodInitializing')], { initContainers: [running('i1', false), waitingC('i2')] }), 'Pending', now);
  t.match(initing.find((c) => c.type === 'Initialized'), { status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [i1 i2]' });
});

t.test('when the status changes, then the patch is a two-way strategic merge diff with a uid precondition', async (t) => {
  const before = desiredStatus(pod(), rt([waitingC('a')], { sandboxReady: false }), now);
  const after = desiredStatus(pod({}, before), rt([running('a')], { podIP: '10.244.1.2' }), new Date('2026-01-02T03:04:09Z'));
  const patch = statusPatch('u1', before, after) as { metadata: unknown; status: Record<string, any> };
  t.same(patch.metadata, { uid: 'u1' });
  t.same(patch.status['$setElementOrder/conditions'], ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type })));
  t.same(patch.status.conditions.map((c: { type: string }) => c.type), ['PodReadyToStartContainers', 'Ready', 'ContainersReady'], 'only changed conditions');
  t.match(patch.status.conditions[1], { type: 'Ready', status: 'True', reason: null, message: null }, 'fields gone from a condition are cleared');
  t.same(patch.status.podIPs, [{ ip: '10.244.1.2' }]);
  t.same(patch.status['$setElementOrder/podIPs'], [{ ip: '10.244.1.2' }]);
  t.equal(patch.status.phase, 'Running');
  t.equal(patch.status.containerStatuses.length, 1, 'container statuses go whole');
  t.notOk('hostIP' in patch.status, 'unchanged fields are left out');
  t.equal(statusPatch('u1', after, structuredClone(after)), undefined, 'no change, no patch');
  const withNulls = structuredClone(after) as { conditions: Array<Record<string, unknown>> };
  for (const c of withNulls.conditions) delete c.lastProbeTime;
  t.equal(statusPatch('u1', withNulls, after), undefined, 'a dropped null is no change');
});

t.test('when a pod refers to configmaps and secrets, then only the non-optional ones are needed, each reported in kubelet words', async (t) => {
  const p: KubeObject = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      volumes: [
        { name: 'cfg', configMap: { name: 'cm1' } },
        { name: 'opt', configMap: { name: 'cm2', optional: true } },
        { name: 'sec', secret: { secretName: 's1' } },
        { name: 'proj', projected: { sources: [{ configMap: { name: 'cm3' } }, { secret: { name: 's2', optional: true } }] } },
      ],
      containers: [{
        name: 'app',
        env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm4', key: 'k' } } }, { name: 'B', value: 'x' }],
        envFrom: [{ secretRef: { name: 's3' } }, { configMapRef: { name: 'cm5', optional: true } }],
      }],
    },
  };
  t.same(podReferences(p).map((r) => `${r.kind}/${r.name}`), ['configmap/cm1', 'secret/s1', 'configmap/cm3', 'configmap/cm4', 'secret/s3']);
  const have: Record<string, string[]> = { 'configmap/cm1': ['a'], 'configmap/cm4': ['other'] };
  const missing = missingReferences(p, (kind, name) => have[`${kind}/${name}`]).map((m) => m.message);
  t.same(missing, [
    'MountVolume.SetUp failed for volume "sec" : secret "s1" not found',
    'MountVolume.SetUp failed for volume "proj" : configmap "cm3" not found',
    "couldn't find key k in ConfigMap ns/cm4",
    'secret "s3" not found',
  ]);
});

t.test('when an image is named, then its behaviour, pull policy and IDs follow from the name', async (t) => {
  t.equal(imageBehaviour('nginx:1.27'), 'run');
  t.equal(imageBehaviour('registry.example:5000/x/sim-crash:2@sha256:abc'), 'crash');
  t.equal(imageBehaviour('sim-pull-fail'), 'pull-fail');
  t.equal(imageBehaviour('sim-exit-0'), 'exit-0');
  t.equal(imageBehaviour('sim-exit-1:v1'), 'exit-1');
  t.equal(imageBehaviour('sim-ignore-sigterm'), 'ignore-sigterm');
  t.equal(normalizedImage('nginx'), 'docker.io/library/nginx:latest');
  t.equal(normalizedImage('bitnami/redis:7'), 'docker.io/bitnami/redis:7');
  t.equal(normalizedImage('localhost:5000/app'), 'localhost:5000/app:latest');
  t.match(imageId('nginx:1.27'), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  t.equal(imageId('nginx:1.27'), imageId('nginx:1.27'));
  t.equal(defaultPullPolicy('nginx'), 'Always');
  t.equal(defaultPullPolicy('nginx:latest'), 'Always');
  t.equal(defaultPullPolicy('nginx:1.27'), 'IfNotPresent');
  t.same([1, 2, 3, 10].map((n) => backOffMs(n, 200, 6000)), [200, 400, 800, 6000]);
  t.same([200, 1600, 6000, 300000].map(goDuration), ['200ms', '1.6s', '6s', '5m0s']);
});
