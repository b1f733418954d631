import t from 'tap';
import { isKubeError } from '../../infra/kube-sim/errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../infra/kube-sim/patch.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

function thrown(fn: () => unknown): { code: number; reason: string; message: string } | undefined {
  try { fn(); } catch (err) { if (isKubeError(err)) return { code: err.code, reason: err.reason, message: err.message }; throw err; }
  return undefined;
}

const pod = (): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name: 'web', namespace: 'ns', labels: { app: 'web', tier: 'front' }, finalizers: ['a', 'b'],
    ownerReferences: [{ uid: 'u1', name: 'rs', kind: 'ReplicaSet' }],
  },
  spec: {
    containers: [
      { name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'side', image: 'busybox' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'x', operator: 'Exists' }],
  },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }],
    containerStatuses: [{ name: 'app', ready: false }, { name: 'side', ready: false }],
  },
});

t.test('when a JSON patch applies, then the result is a new object and the input is untouched', async (t) => {
  const before = pod();
  const target = pod();
  const cases: Array<[unknown[], (o: KubeObject) => unknown, unknown]> = [
    [[{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:2' }], (o) => (o.spec as any).containers[0].image, 'nginx:2'],
    [[{ op: 'add', path: '/metadata/labels/x', value: 'y' }], (o) => o.metadata.labels, { app: 'web', tier: 'front', x: 'y' }],
    [[{ op: 'remove', path: '/metadata/finalizers/0' }], (o) => o.metadata.finalizers, ['b']],
    [[{ op: 'test', path: '/metadata/name', value: 'web' }, { op: 'add', path: '/metadata/finalizers/-', value: 'c' }], (o) => o.metadata.finalizers, ['a', 'b', 'c']],
    [[{ op: 'move', from: '/metadata/labels/tier', path: '/metadata/labels/layer' }], (o) => o.metadata.labels, { app: 'web', layer: 'front' }],
    [[], (o) => o, before],
  ];
  for (const [ops, pick, want] of cases) t.same(pick(applyJsonPatch(target, ops)), want, JSON.stringify(ops));
  t.same(target, before);
});

t.test('when a JSON patch is malformed or cannot apply, then 400 or the generic 422 comes back', async (t) => {
  const generic = { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' };
  const cases: Array<[unknown, unknown]> = [
    [{ op: 'add' }, { code: 400, reason: 'BadRequest', message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' }],
    [['x'], { code: 400, reason: 'BadRequest', message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation' }],
    [[{ op: 'test', path: '/metadata/name', value: 'other' }], generic],
    [[{ op: 'replace', path: '/spec/missing/x', value: 1 }], generic],
    [[{ op: 'remove', path: '/metadata/annotations/x' }], generic],
    [[{ op: 'frobnicate', path: '/a' }], generic],
    [[{ op: 'replace', path: '', value: 5 }], generic],
    [Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Pod' })),
      { code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001' }],
  ];
  for (const [ops, want] of cases) t.same(thrown(() => applyJsonPatch(pod(), ops)), want, JSON.stringify(ops).slice(0, 80));
});

t.test('when a merge patch applies, then null deletes, maps merge and lists are replaced', async (t) => {
  const before = pod();
  const out = applyMergePatch(before, {
    metadata: { labels: { tier: null, x: 'y' }, finalizers: ['z'] },
    spec: { containers: [{ name: 'only' }] },
    status: null,
  });
  t.same(out.metadata.labels, { app: 'web', x: 'y' });
  t.same(out.metadata.finalizers, ['z']);
  t.same((out.spec as any).containers, [{ name: 'only' }]);
  t.notOk('status' in out);
  t.same(before, pod());
  t.same(thrown(() => applyMergePatch(pod(), [1])), { code: 400, reason: 'BadRequest', message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' });
});

t.test('when a strategic merge patch touches pod lists, then each list follows its merge key', async (t) => {
  type Case = [string, unknown, (o: KubeObject) => unknown, unknown];
  const spec = (o: KubeObject) => o.spec as any;
  const status = (o: KubeObject) => o.status as any;
  const cases: Case[] = [
    ['containers merge by name', { spec: { containers: [{ name: 'side', image: 'busybox:2' }, { name: 'new', image: 'x' }] } },
      (o) => spec(o).containers.map((c: any) => `${c.name}=${c.image}`), ['app=nginx:1', 'side=busybox:2', 'new=x']],
    ['env merges by name inside a container', { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } },
      (o) => spec(o).containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]],
    ['ports merge by containerPort', { spec: { containers: [{ name: 'app', ports: [{ containerPort: 443 }] }] } },
      (o) => spec(o).containers[0].ports, [{ containerPort: 80 }, { containerPort: 443 }]],
    ['$patch delete removes one element', { spec: { containers: [{ name: 'side', $patch: 'delete' }] } },
      (o) => spec(o).containers.map((c: any) => c.name), ['app']],
    ['$patch replace on a list replaces it', { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 's' }] } },
      (o) => spec(o).containers, [{ name: 'solo', image: 's' }]],
    ['$patch replace on a map replaces it', { metadata: { labels: { $patch: 'replace', only: 'this' } } },
      (o) => o.metadata.labels, { only: 'this' }],
    ['$patch delete on a map removes it', { metadata: { labels: { $patch: 'delete' } } }, (o) => o.metadata.labels, undefined],
    ['tolerations are atomic', { spec: { tolerations: [{ key: 'y', operator: 'Exists' }] } },
      (o) => spec(o).tolerations, [{ key: 'y', operator: 'Exists' }]],
    ['finalizers merge as a set', { metadata: { finalizers: ['b', 'c'] } }, (o) => o.metadata.finalizers, ['a', 'b', 'c']],
    ['$deleteFromPrimitiveList removes finalizers', { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      (o) => o.metadata.finalizers, ['b']],
    ['ownerReferences merge by uid', { metadata: { ownerReferences: [{ uid: 'u2', name: 'other' }] } },
      (o) => o.metadata.ownerReferences?.map((r) => r.uid), ['u1', 'u2']],
    ['null deletes a key', { metadata: { labels: { tier: null } } }, (o) => o.metadata.labels, { app: 'web' }],
    ['volumes honour $retainKeys', { spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/d' } }] } },
      (o) => spec(o).volumes, [{ name: 'data', hostPath: { path: '/d' } }]],
    ['status conditions merge by type, containerStatuses are atomic', {
      status: {
        conditions: [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }],
        containerStatuses: [{ name: 'app', ready: true }],
      },
    }, (o) => [status(o).conditions.map((c: any) => `${c.type}=${c.status}`), status(o).containerStatuses.length],
    [['PodScheduled=True', 'Ready=True', 'Initialized=True'], 1]],
    ['$setElementOrder reorders merged conditions', {
      status: { '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }, { type: 'PodScheduled' }], conditions: [{ type: 'Initialized', status: 'True' }] },
    }, (o) => status(o).conditions.map((c: any) => c.type), ['Initialized', 'Ready', 'PodScheduled']],
    ['podIPs merge by ip', { status: { podIPs: [{ ip: '10.0.0.1' }] } }, (o) => status(o).podIPs, [{ ip: '10.0.0.1' }]],
  ];
  for (const [name, patch, pick, want] of cases) {
    const before = pod();
    t.same(pick(applyStrategicMergePatch(before, patch, 'Pod')), want, name);
    t.same(before, pod(), `${name}: input untouched`);
  }
});

t.test('when a strategic merge patch targets other kinds, then only their own lists merge', async (t) => {
  const node: KubeObject = { kind: 'Node', metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] } };
  const out = applyStrategicMergePatch(node, { status: { conditions: [{ type: 'MemoryPressure', status: 'False' }], addresses: [{ type: 'Hostname', address: 'n' }] } }, 'Node');
  t.same((out.status as any).conditions.map((c: any) => c.type), ['Ready', 'MemoryPressure']);
  t.same((out.status as any).addresses.map((a: any) => a.type), ['InternalIP', 'Hostname']);
  const svc: KubeObject = { kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }], selector: { a: 'b' } } };
  t.same((applyStrategicMergePatch(svc, { spec: { ports: [{ port: 443 }] } }, 'Service').spec as any).ports, [{ port: 80 }, { port: 443 }]);
  const cm: KubeObject = { kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['x'] }, data: { a: '1' }, list: [1, 2] };
  const cmOut = applyStrategicMergePatch(cm, { metadata: { finalizers: ['y'] }, data: { b: '2' }, list: [3] }, 'ConfigMap');
  t.same(cmOut, { kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['x', 'y'] }, data: { a: '1', b: '2' }, list: [3] });
});

t.test('when a strategic merge patch is malformed, then it is rejected with a Status', async (t) => {
  t.equal(thrown(() => applyStrategicMergePatch(pod(), 'x', 'Pod'))?.code, 400);
  t.equal(thrown(() => applyStrategicMergePatch(pod(), { metadata: { $patch: 'bogus' } }, 'Pod'))?.code, 422);
  t.equal(thrown(() => applyStrategicMergePatch(pod(), { spec: { containers: [{ image: 'no-name' }] } }, 'Pod'))?.code, 422);
  t.equal(thrown(() => applyStrategicMergePatch(pod(), { spec: { volumes: [{ name: 'd', $retainKeys: ['name'], hostPath: {} }] } }, 'Pod'))?.code, 422);
});

t.test('when the kubelet sends its status patch, then conditions follow $setElementOrder and nulls are dropped', async (t) => {
  const scheduled: KubeObject = {
    kind: 'Pod', metadata: { name: 'web', uid: 'u-1' }, spec: { containers: [{ name: 'app' }], nodeName: 'n1' },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: 't0' }] },
  };
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  const patch = {
    metadata: { uid: 'u-1' },
    status: {
      '$setElementOrder/conditions': order.map((type) => ({ type })),
      conditions: order.slice(0, 4).map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: 't1' })),
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: 't1' } } }],
      hostIP: '172.18.0.2', hostIPs: [{ ip: '172.18.0.2' }], podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }],
      phase: 'Running', startTime: 't0',
    },
  };
  const out = applyStrategicMergePatch(scheduled, patch, 'Pod');
  const status = out.status as any;
  t.same(status.conditions.map((c: any) => c.type), order);
  t.notOk(status.conditions.some((c: any) => 'lastProbeTime' in c && c.type !== 'PodScheduled'));
  t.same(status.podIPs, [{ ip: '10.244.1.5' }]);
  t.equal(status.phase, 'Running');
  t.notOk(JSON.stringify(out).includes('$setElementOrder'));
  t.same(out.spec, scheduled.spec);
});
