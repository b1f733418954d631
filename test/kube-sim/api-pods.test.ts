import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { pods, services } from '../../infra/kube-sim/resources.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { statusOf, wo } from './api-test-helpers.js';

const pod = (name: string): KubeObject => ({
  metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], initContainers: [{ name: 'init', image: 'busybox:1' }] },
});

async function fresh() {
  const api = createApi();
  const created = await api.create(pods, 'default', pod('p'), wo());
  return { api, created };
}

t.test('when a pod spec is updated, then only the fields the real server allows may change', async (t) => {
  const cases: Array<[string, (spec: any) => void, boolean]> = [
    ['container image', (s) => { s.containers[0].image = 'nginx:1.28'; }, true],
    ['init container image', (s) => { s.initContainers[0].image = 'busybox:2'; }, true],
    ['activeDeadlineSeconds set', (s) => { s.activeDeadlineSeconds = 60; }, true],
    ['toleration added', (s) => { s.tolerations.push({ key: 'k', operator: 'Exists' }); }, true],
    ['toleration removed', (s) => { s.tolerations.pop(); }, false],
    ['container env', (s) => { s.containers[0].env = [{ name: 'A', value: '1' }]; }, false],
    ['restartPolicy', (s) => { s.restartPolicy = 'Never'; }, false],
    ['nodeName', (s) => { s.nodeName = 'node-1'; }, false],
    ['container added', (s) => { s.containers.push({ name: 'd', image: 'x' }); }, false],
  ];
  for (const [what, change, allowed] of cases) {
    const { api, created } = await fresh();
    const body = structuredClone(created);
    change(body.spec);
    const result = await api.update(pods, 'default', 'p', body, wo()).then(() => 'ok', (e) => e);
    if (allowed) {
      t.equal(result, 'ok', `${what}: allowed`);
      t.equal(api.get(pods, 'default', 'p').metadata.generation, 2, `${what}: generation bumped`);
    } else {
      t.equal(result.code, 422, `${what}: forbidden`);
      t.match(result.status.message, /^Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,`spec.initContainers\[\*\].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` \(only additions to existing tolerations\),`spec.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/, what);
      t.match(result.status.details.causes, [{ reason: 'FieldValueForbidden', field: 'spec' }]);
    }
  }
});

t.test('when metadata of a pod is updated, then labels and annotations change freely and status stays as stored', async (t) => {
  const { api, created } = await fresh();
  const body = structuredClone(created);
  body.metadata.labels = { app: 'other' };
  body.metadata.annotations = { note: 'x' };
  body.status = { phase: 'Running' };
  const updated = await api.update(pods, 'default', 'p', body, wo());
  t.same(updated.metadata.labels, { app: 'other' });
  t.equal((updated.status as any).phase, 'Pending');
  t.equal(updated.metadata.generation, 1, 'metadata-only change keeps generation');
});

t.test('when the status subresource is written, then only status (and labels) change, never spec', async (t) => {
  const { api, created } = await fresh();
  const body = structuredClone(created);
  (body.spec as any).containers[0].image = 'evil:1';
  body.status = { phase: 'Running', podIP: '10.0.0.5' };
  const updated = await api.update(pods, 'default', 'p', body, wo(), 'status');
  t.equal((updated.spec as any).containers[0].image, 'nginx:1.27');
  t.same(updated.status, { phase: 'Running', podIP: '10.0.0.5' });
  t.match(updated.metadata.managedFields, [{ manager: 'test', operation: 'Update' }, { manager: 'test', operation: 'Update', subresource: 'status' }]);
  const smp = await api.patch(pods, 'default', 'p', 'strategic', {
    metadata: { uid: created.metadata.uid },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  }, wo(), 'status');
  t.same((smp.object.status as any).conditions, [{ type: 'Ready', status: 'True' }]);
  t.equal((smp.object.status as any).podIP, '10.0.0.5');
  t.match(await statusOf(api.patch(pods, 'default', 'p', 'strategic', { metadata: { uid: 'other-uid' }, status: { phase: 'Failed' } }, wo(), 'status')), { code: 409, message: `Operation cannot be fulfilled on pods "p": Precondition failed: UID in precondition: other-uid, UID in object meta: ${created.metadata.uid}` });
});

t.test('when a service status is written, then labels stay as stored for non-pod types', async (t) => {
  const api = createApi();
  const svc = await api.create(services, 'default', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }, wo());
  const updated = await api.update(services, 'default', 's', { ...svc, metadata: { ...svc.metadata, labels: { x: 'y' } }, status: { loadBalancer: {} } }, wo(), 'status');
  t.equal(updated.metadata.labels, undefined);
  t.same(updated.status, { loadBalancer: {} });
});

t.test('when a pod is bound, then nodeName and PodScheduled are set once, and a second binding conflicts', async (t) => {
  const { api } = await fresh();
  const status = await api.create(pods, 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-1' } }, wo(), { name: 'p', subresource: 'binding' });
  t.same(status, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  const bound = api.get(pods, 'default', 'p');
  t.equal((bound.spec as any).nodeName, 'node-1');
  t.match((bound.status as any).conditions, [{ type: 'PodScheduled', status: 'True', lastProbeTime: null }]);
  t.match(await statusOf(api.create(pods, 'default', { metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-2' } } as KubeObject, wo(), { name: 'p', subresource: 'binding' })), { code: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "node-1"' });
  t.match(await statusOf(api.create(pods, 'default', { metadata: { name: 'ghost' }, target: { name: 'n' } } as KubeObject, wo(), { name: 'ghost', subresource: 'binding' })), { code: 404 });
});

t.test('when a binding carries the pod\'s uid and resourceVersion, then they are preconditions: a stale or foreign one conflicts and binds nothing', async (t) => {
  const { api } = await fresh();
  const before = api.get(pods, 'default', 'p');
  const bind = (metadata: Record<string, string>) => api.create(pods, 'default', { metadata: { name: 'p', ...metadata }, target: { name: 'node-1' } } as KubeObject, wo(), { name: 'p', subresource: 'binding' });
  t.match(await statusOf(bind({ uid: 'not-this-pod' })), { code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on pods "p": Precondition failed: UID in precondition: not-this-pod, UID in object meta: ${before.metadata.uid}` });
  t.match(await statusOf(bind({ resourceVersion: '1' })), { code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on pods "p": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${before.metadata.resourceVersion}` });
  t.equal((api.get(pods, 'default', 'p').spec as any).nodeName, undefined, 'a refused binding binds nothing');
  await bind({ uid: before.metadata.uid!, resourceVersion: before.metadata.resourceVersion! });
  t.equal((api.get(pods, 'default', 'p').spec as any).nodeName, 'node-1', 'the binding made from the current read binds');
});

t.test('when an update empties the image, then 422 names the container image as required', async (t) => {
  const { api, created } = await fresh();
  const body = structuredClone(created);
  (body.spec as any).containers[0].image = '';
  t.match(await statusOf(api.update(pods, 'default', 'p', body, wo())), { code: 422, message: /spec\.containers\[0\]\.image: Required value/ });
});
