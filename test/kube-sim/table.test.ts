import t from 'tap';
import { isKubeError } from '../../infra/kube-sim/errors.js';
import { configMaps, events, namespaces, nodes, pods, secrets, serviceAccounts, services, validatingWebhookConfigurations } from '../../infra/kube-sim/resources.js';
import { humanDuration, podStatusReason, toTable } from '../../infra/kube-sim/table.js';
import type { KubeObject, ResourceType } from '../../infra/kube-sim/types.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

t.test('when durations are humanized, then they read like kubectl ages', async (t) => {
  const S = 1000; const M = 60 * S; const H = 60 * M; const D = 24 * H;
  const cases: Array<[number, string]> = [
    [-5 * S, '<invalid>'], [-1500, '0s'], [0, '0s'], [5 * S, '5s'], [119 * S, '119s'], [2 * M, '2m'], [3 * M + 2 * S, '3m2s'],
    [10 * M + 30 * S, '10m'], [179 * M, '179m'], [3 * H, '3h'], [4 * H + 5 * M, '4h5m'], [8 * H + 59 * M, '8h'], [47 * H, '47h'],
    [2 * D, '2d'], [2 * D + 3 * H, '2d3h'], [8 * D, '8d'], [729 * D, '729d'], [730 * D, '2y'], [3 * 365 * D + 10 * D, '3y10d'], [9 * 365 * D, '9y'],
  ];
  for (const [ms, want] of cases) t.equal(humanDuration(ms), want, `${ms}ms`);
});

function pod(status: Record<string, unknown>, extra: { spec?: Record<string, unknown>; deleting?: boolean } = {}): KubeObject {
  return {
    metadata: { name: 'p', namespace: 'ns', creationTimestamp: ago(65), ...(extra.deleting ? { deletionTimestamp: ago(0) } : {}) },
    spec: { containers: [{ name: 'app' }], ...extra.spec },
    status,
  };
}
const running = { running: { startedAt: ago(60) } };
const cs = (state: unknown, more: Record<string, unknown> = {}) => ({ name: 'app', state, ready: false, restartCount: 0, ...more });
const initSpec = { initContainers: [{ name: 'init' }] };

t.test('when pod states vary, then STATUS is derived as the real printer does', async (t) => {
  const cases: Array<[string, KubeObject, string]> = [
    ['pending, unscheduled', pod({ phase: 'Pending' }), 'Pending'],
    ['scheduling gated', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), 'SchedulingGated'],
    ['creating', pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })] }), 'ContainerCreating'],
    ['running', pod({ phase: 'Running', containerStatuses: [cs(running, { ready: true })] }), 'Running'],
    ['completed', pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] }), 'Completed'],
    ['error', pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 1, reason: 'Error' } })] }), 'Error'],
    ['exit code without reason', pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 3 } })] }), 'ExitCode:3'],
    ['signal without reason', pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 137, signal: 9 } })] }), 'Signal:9'],
    ['crash loop', pod({ phase: 'Running', containerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 2 })] }), 'CrashLoopBackOff'],
    ['image pull', pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ErrImagePull' } })] }), 'ErrImagePull'],
    ['image backoff', pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ImagePullBackOff' } })] }), 'ImagePullBackOff'],
    ['terminating', pod({ phase: 'Running', containerStatuses: [cs(running, { ready: true })] }, { deleting: true }), 'Terminating'],
    ['terminal pod being deleted', pod({ phase: 'Succeeded' }, { deleting: true }), 'Succeeded'],
    ['node lost', pod({ phase: 'Running', reason: 'NodeLost' }, { deleting: true }), 'Unknown'],
    ['evicted reason', pod({ phase: 'Failed', reason: 'Evicted' }), 'Evicted'],
    ['init running', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', state: running }] }, { spec: initSpec }), 'Init:0/1'],
    ['init waiting', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'PodInitializing' } } }] }, { spec: initSpec }), 'Init:0/1'],
    ['init crash', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { spec: initSpec }), 'Init:CrashLoopBackOff'],
    ['init error', pod({ phase: 'Failed', initContainerStatuses: [{ name: 'init', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, { spec: initSpec }), 'Init:Error'],
    ['init exit code', pod({ phase: 'Failed', initContainerStatuses: [{ name: 'init', state: { terminated: { exitCode: 2 } } }] }, { spec: initSpec }), 'Init:ExitCode:2'],
    ['init done, app creating', pod({
      phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      containerStatuses: [cs({ waiting: { reason: 'PodInitializing' } })],
    }, { spec: initSpec }), 'PodInitializing'],
    ['completed with a running sidecar-less second container', pod({
      phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [cs(running, { name: 'a', ready: true }), cs({ terminated: { exitCode: 0, reason: 'Completed' } }, { name: 'b' })],
    }, { spec: { containers: [{ name: 'a' }, { name: 'b' }] } }), 'NotReady'],
  ];
  for (const [name, p, want] of cases) t.equal(podStatusReason(p), want, name);
});

const cellsOf = (resource: ResourceType, obj: KubeObject) =>
  (toTable(resource, [obj], { resourceVersion: '7', now: NOW }).rows as Array<{ cells: unknown[] }>)[0].cells;

t.test('when pods are tabled, then READY, RESTARTS, AGE and the wide columns match kubectl', async (t) => {
  const p = pod({
    phase: 'Running', podIPs: [{ ip: '10.244.1.5' }], conditions: [{ type: 'Ready', status: 'True' }, { type: 'gate', status: 'True' }],
    containerStatuses: [
      cs(running, { name: 'a', ready: true, restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } }),
      cs(running, { name: 'b', ready: false }),
    ],
  }, { spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeName: 'node-1', readinessGates: [{ conditionType: 'gate' }, { conditionType: 'other' }] } });
  t.same(cellsOf(pods, p), ['p', '1/2', 'Running', '2 (5m ago)', '65s', '10.244.1.5', 'node-1', '<none>', '1/2']);
  t.same(cellsOf(pods, pod({ phase: 'Pending' })), ['p', '0/1', 'Pending', '0', '65s', '<none>', '<none>', '<none>', '<none>']);
  const sidecar = pod({
    phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }],
    initContainerStatuses: [{ name: 'side', started: true, ready: true, restartCount: 1, state: running }],
    containerStatuses: [cs(running, { ready: true })],
  }, { spec: { initContainers: [{ name: 'side', restartPolicy: 'Always' }] } });
  t.same(cellsOf(pods, sidecar).slice(0, 4), ['p', '2/2', 'Running', '1']);
});

t.test('when each served kind is tabled, then columns and cells follow its printer', async (t) => {
  const meta = (name: string) => ({ name, creationTimestamp: ago(3 * 3600) });
  const cases: Array<[ResourceType, KubeObject, string[], unknown[]]> = [
    [namespaces, { metadata: meta('ns'), status: { phase: 'Active' } }, ['Name', 'Status', 'Age'], ['ns', 'Active', '3h']],
    [configMaps, { metadata: meta('cm'), data: { a: '1', b: '2' }, binaryData: { c: '' } }, ['Name', 'Data', 'Age'], ['cm', 3, '3h']],
    [secrets, { metadata: meta('s'), type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }, ['Name', 'Type', 'Data', 'Age'], ['s', 'kubernetes.io/tls', 2, '3h']],
    [serviceAccounts, { metadata: meta('default') }, ['Name', 'Secrets', 'Age'], ['default', 0, '3h']],
    [services, { metadata: meta('web'), spec: { type: 'NodePort', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { b: '2', a: '1' } } },
      ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'], ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '3h', 'a=1,b=2']],
    [services, { metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIP: '10.96.0.11' } },
      ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'], ['lb', 'LoadBalancer', '10.96.0.11', '<pending>', '<none>', '3h', '<none>']],
    [nodes, { metadata: { ...meta('n1'), labels: { 'node-role.kubernetes.io/control-plane': '' } }, spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.33.0' }, addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } },
      ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
      ['n1', 'Ready,SchedulingDisabled', 'control-plane', '3h', 'v1.33.0', '172.18.0.2', '<none>', '<unknown>', '<unknown>', '<unknown>']],
    [nodes, { metadata: meta('n2'), status: {} }, ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
      ['n2', 'Unknown', '<none>', '3h', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']],
    [events, { metadata: meta('p.1'), involvedObject: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{app}' }, reason: 'Started', message: ' Started container app ', type: 'Normal', source: { component: 'kubelet', host: 'node-1' }, firstTimestamp: ago(600), lastTimestamp: ago(30), count: 3 },
      ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
      ['30s', 'Normal', 'Started', 'pod/p', 'spec.containers{app}', 'kubelet, node-1', 'Started container app', '10m', 3, 'p.1']],
    [events, { metadata: meta('e.2'), involvedObject: { kind: 'Node' }, reason: 'R', type: 'Warning', eventTime: ago(5), reportingComponent: 'ctl' },
      ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
      ['5s', 'Warning', 'R', 'node', '', 'ctl', '', '5s', 1, 'e.2']],
    [validatingWebhookConfigurations, { metadata: meta('podferry'), webhooks: [{ name: 'a' }] }, ['Name', 'Webhooks', 'Age'], ['podferry', 1, '3h']],
  ];
  for (const [resource, obj, columns, cells] of cases) {
    const table = toTable(resource, [obj], { resourceVersion: '7', now: NOW }) as any;
    t.same(table.columnDefinitions.map((c: any) => c.name), columns, `${resource.kind} columns`);
    t.same(table.rows[0].cells, cells, `${resource.kind} cells`);
  }
  const generic: ResourceType = { ...configMaps, kind: 'Widget', plural: 'widgets' };
  const table = toTable(generic, [{ metadata: { name: 'w', creationTimestamp: '2024-01-02T03:04:05Z' } }], { resourceVersion: '1', now: NOW }) as any;
  t.same(table.columnDefinitions, [
    { name: 'Name', type: 'string', format: 'name', description: table.columnDefinitions[0].description, priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: table.columnDefinitions[1].description, priority: 0 },
  ]);
  t.same(table.rows[0].cells, ['w', '2024-01-02T03:04:05Z']);
});

t.test('when includeObject varies, then rows carry metadata, the object or nothing', async (t) => {
  const obj: KubeObject = { metadata: { name: 'p', namespace: 'ns', creationTimestamp: ago(1) }, spec: { containers: [] }, status: { phase: 'Succeeded' } };
  const meta = toTable(pods, [obj], { resourceVersion: '9', continue: 'tok', now: NOW }) as any;
  t.match(meta, { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '9', continue: 'tok' } });
  t.same(meta.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });
  t.same(meta.rows[0].conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  t.equal(meta.columnDefinitions.filter((c: any) => c.priority === 1).length, 4);
  const full = toTable(pods, [obj], { includeObject: 'Object', resourceVersion: '9', now: NOW }) as any;
  t.same(full.rows[0].object, { kind: 'Pod', apiVersion: 'v1', ...obj });
  const none = toTable(pods, [obj], { includeObject: 'None', resourceVersion: '9', now: NOW }) as any;
  t.equal(none.rows[0].object, null);
  t.same(toTable(pods, [], { resourceVersion: '3', now: NOW }), { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '3' }, columnDefinitions: meta.columnDefinitions, rows: [] });
  try {
    toTable(pods, [obj], { includeObject: 'All', resourceVersion: '9', now: NOW });
    t.fail('expected a 400');
  } catch (err) {
    t.ok(isKubeError(err) && err.code === 400);
    t.equal((err as Error).message, 'includeObject: Unsupported value: "All": supported values: "Metadata", "None", "Object"');
  }
});
