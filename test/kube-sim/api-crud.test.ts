import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { configMaps, namespaces, pods, secrets, serviceAccounts, services } from '../../infra/kube-sim/resources.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { statusOf, syncStatusOf, wo } from './api-test-helpers.js';

const pod = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] }, ...extra,
});
const cm = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

t.test('when a pod is created, then the server sets metadata and defaults like kube-apiserver', async (t) => {
  const api = createApi({ now: () => new Date('2026-01-02T03:04:05.678Z') });
  const created = await api.create(pods, 'default', pod('web', { metadata: { name: 'web', uid: 'mine', resourceVersion: '999', creationTimestamp: '2000-01-01T00:00:00Z' } }), wo());
  const m = created.metadata;
  t.match(m.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(m.uid, 'mine');
  t.equal(m.creationTimestamp, '2026-01-02T03:04:05Z');
  t.equal(m.resourceVersion, api.currentResourceVersion());
  t.equal(m.generation, 1);
  t.match(m.managedFields, [{ manager: 'test', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1' }]);
  const spec = created.spec as any;
  t.match(spec, {
    restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30,
    securityContext: {}, serviceAccountName: 'default', serviceAccount: 'default', enableServiceLinks: true, priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
  });
  t.match(spec.containers[0], { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} });
  t.match(spec.volumes[0].name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  t.same(spec.containers[0].volumeMounts, [{ name: spec.volumes[0].name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  t.same(spec.tolerations.map((x: any) => [x.key, x.tolerationSeconds]), [['node.kubernetes.io/not-ready', 300], ['node.kubernetes.io/unreachable', 300]]);
  t.same(created.status, { phase: 'Pending', qosClass: 'BestEffort' });
  t.same(api.get(pods, 'default', 'web'), created);
});

t.test('when automountServiceAccountToken is false or resources are set, then no token volume and the right QoS', async (t) => {
  const api = createApi();
  const res = { limits: { cpu: '1', memory: '1Gi' } };
  const p = await api.create(pods, 'default', pod('g', { spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'nginx', resources: res }] } }), wo());
  t.equal((p.spec as any).volumes, undefined);
  t.equal((p.spec as any).containers[0].imagePullPolicy, 'Always');
  t.same((p.spec as any).containers[0].resources.requests, { cpu: '1', memory: '1Gi' });
  t.equal((p.status as any).qosClass, 'Guaranteed');
  const b = await api.create(pods, 'default', pod('b', { spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1' } } }] } }), wo());
  t.equal((b.status as any).qosClass, 'Burstable');
});

t.test('when generateName is used, then a 5-character suffix from the real alphabet is appended to at most 58 characters', async (t) => {
  const api = createApi();
  const long = 'x'.repeat(70);
  const a = await api.create(configMaps, 'default', { metadata: { generateName: 'web-' } }, wo());
  t.match(a.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const b = await api.create(configMaps, 'default', { metadata: { generateName: long } }, wo());
  t.equal(b.metadata.name!.length, 63);
  t.equal(a.kind, 'ConfigMap');
  t.equal(a.apiVersion, 'v1');
});

t.test('when generated names keep colliding, then 409 AlreadyExists says no unique name could be generated', async (t) => {
  const api = createApi({ random: () => 0 });
  await api.create(configMaps, 'default', { metadata: { generateName: 'x-' } }, wo());
  const err = await api.create(configMaps, 'default', { metadata: { generateName: 'x-' } }, wo()).catch((e) => e);
  t.equal(err.code, 409);
  t.equal(err.status.message, 'configmaps "x-bbbbb" already exists, the server was not able to generate a unique name for the object');
});

t.test('when an object is missing or exists already, then 404 NotFound and 409 AlreadyExists carry the real messages', async (t) => {
  const api = createApi();
  t.match(syncStatusOf(() => api.get(pods, 'default', 'nope')), { code: 404, reason: 'NotFound', message: 'pods "nope" not found' });
  await api.create(configMaps, 'default', cm('one'), wo());
  t.match(await statusOf(api.create(configMaps, 'default', cm('one'), wo())), { code: 409, reason: 'AlreadyExists', message: 'configmaps "one" already exists' });
  t.match(await statusOf(api.update(configMaps, 'default', 'ghost', cm('ghost'), wo())), { code: 404 });
  t.match(await statusOf(api.patch(configMaps, 'default', 'ghost', 'merge', { data: {} }, wo())), { code: 404 });
  t.match(await statusOf(api.create(configMaps, 'nowhere', cm('x'), wo())), { code: 404, message: 'namespaces "nowhere" not found' });
});

t.test('when names are invalid, then 422 Invalid names the field with the real message', async (t) => {
  const api = createApi();
  const err = await api.create(configMaps, 'default', cm('Bad_Name'), wo()).catch((e) => e);
  t.equal(err.code, 422);
  t.equal(err.status.message, `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
  t.match(await statusOf(api.create(configMaps, 'default', { metadata: {} }, wo())), { message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required' });
  t.match(await statusOf(api.create(pods, 'default', { metadata: { name: 'p' }, spec: { containers: [] } }, wo())), { code: 422, message: 'Pod "p" is invalid: spec.containers: Required value' });
});

t.test('when a configmap is updated, then stale resourceVersions conflict and an update without one is unconditional', async (t) => {
  const api = createApi();
  const first = await api.create(configMaps, 'default', cm('c'), wo());
  const second = await api.update(configMaps, 'default', 'c', { ...first, data: { a: '2' } }, wo());
  t.not(second.metadata.resourceVersion, first.metadata.resourceVersion);
  t.equal(second.metadata.uid, first.metadata.uid);
  const stale = await api.update(configMaps, 'default', 'c', { ...first, data: { a: '3' } }, wo()).catch((e) => e);
  t.equal(stale.code, 409);
  t.equal(stale.status.message, 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again');
  const blind = await api.update(configMaps, 'default', 'c', cm('c', { a: '4' }), wo());
  t.same(blind.data, { a: '4' });
  t.equal(blind.metadata.creationTimestamp, first.metadata.creationTimestamp);
});

t.test('when a write changes nothing, then the object comes back and the resourceVersion does not move', async (t) => {
  const api = createApi();
  const c = await api.create(configMaps, 'default', cm('same'), wo());
  const rv = api.currentResourceVersion();
  const again = await api.update(configMaps, 'default', 'same', c, wo());
  const patched = await api.patch(configMaps, 'default', 'same', 'merge', { data: { a: '1' } }, wo());
  t.equal(again.metadata.resourceVersion, c.metadata.resourceVersion);
  t.equal(patched.object.metadata.resourceVersion, c.metadata.resourceVersion);
  t.equal(api.currentResourceVersion(), rv);
});

t.test('when patched with merge, JSON and strategic patches, then each applies and a stale RV in the patch conflicts', async (t) => {
  const api = createApi();
  const c = await api.create(configMaps, 'default', cm('p'), wo());
  const merged = await api.patch(configMaps, 'default', 'p', 'merge', { data: { b: '2' } }, wo());
  t.same(merged.object.data, { a: '1', b: '2' });
  t.equal(merged.created, false);
  const json = await api.patch(configMaps, 'default', 'p', 'json', [{ op: 'remove', path: '/data/a' }], wo());
  t.same(json.object.data, { b: '2' });
  await api.create(pods, 'default', pod('sp'), wo());
  const smp = await api.patch(pods, 'default', 'sp', 'strategic', { metadata: { labels: { tier: 'front' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.28' }] } }, wo());
  t.equal((smp.object.spec as any).containers[0].image, 'nginx:1.28');
  t.equal((smp.object.spec as any).containers[0].terminationMessagePath, '/dev/termination-log');
  t.equal(smp.object.metadata.generation, 2);
  t.match(await statusOf(api.patch(configMaps, 'default', 'p', 'merge', { metadata: { resourceVersion: c.metadata.resourceVersion }, data: { z: '1' } }, wo())), { code: 409, reason: 'Conflict' });
});

t.test('when server-side apply targets a missing object, then it is created, and later applies merge into it, dropping what the manager no longer applies', async (t) => {
  const api = createApi();
  t.match(await statusOf(api.patch(configMaps, 'default', 'a', 'apply', cm('a'), wo({ fieldManager: undefined }))), { code: 400 });
  const created = await api.patch(configMaps, 'default', 'a', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' } }, wo({ fieldManager: 'kubectl' }));
  t.equal(created.created, true);
  t.match(created.object.metadata.managedFields, [{ manager: 'kubectl', operation: 'Apply' }]);
  const updated = await api.patch(configMaps, 'default', 'a', 'apply', { metadata: { name: 'a' }, data: { y: '2' } }, wo({ fieldManager: 'kubectl' }));
  t.equal(updated.created, false);
  t.same(updated.object.data, { y: '2' }, 'x was applied by kubectl before and no longer is');
  const other = await api.patch(configMaps, 'default', 'a', 'apply', { metadata: { name: 'a' }, data: { z: '3' } }, wo({ fieldManager: 'other' }));
  t.same(other.object.data, { y: '2', z: '3' }, 'another manager\'s apply leaves kubectl\'s fields alone');
  t.match(other.object.metadata.managedFields, [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': { 'f:y': {} } } }, { manager: 'other', operation: 'Apply', fieldsV1: { 'f:data': { 'f:z': {} } } }]);
});

t.test('when fieldValidation is Strict, Warn or Ignore, then unknown fields fail, warn, or pass silently', async (t) => {
  const api = createApi();
  const body = { ...pod('fv'), spec: { containers: [{ name: 'c', image: 'nginx' }], foo: 1 } };
  t.match(await statusOf(api.create(pods, 'default', body, wo({ fieldValidation: 'Strict' }))), { code: 400, message: 'strict decoding error: unknown field "spec.foo"' });
  const warnings: string[] = [];
  const warned = await api.create(pods, 'default', body, wo({ warnings }));
  t.same(warnings, ['unknown field "spec.foo"']);
  t.equal((warned.spec as any).foo, undefined, 'unknown fields are dropped, as the real decoder does');
  t.equal((body.spec as any).foo, 1, "the caller's object is untouched");
  const none: string[] = [];
  await api.create(pods, 'default', { ...body, metadata: { name: 'fv2' } }, wo({ fieldValidation: 'Ignore', warnings: none }));
  t.same(none, []);
});

t.test('when dryRun is set, then every check runs but nothing is stored and the RV does not move', async (t) => {
  const api = createApi();
  const rv = api.currentResourceVersion();
  const dry = await api.create(pods, 'default', pod('dry'), wo({ dryRun: true }));
  t.equal(dry.metadata.name, 'dry');
  t.ok(dry.metadata.uid);
  t.match(syncStatusOf(() => api.get(pods, 'default', 'dry')), { code: 404 });
  t.match(await statusOf(api.create(pods, 'default', pod('BAD'), wo({ dryRun: true }))), { code: 422 });
  const c = await api.create(configMaps, 'default', cm('keep'), wo());
  const rv2 = api.currentResourceVersion();
  await api.update(configMaps, 'default', 'keep', { ...c, data: { a: 'dry' } }, wo({ dryRun: true }));
  const del = await api.delete(configMaps, 'default', 'keep', {}, wo({ dryRun: true }));
  t.equal(del.gone, true);
  t.same(api.get(configMaps, 'default', 'keep').data, { a: '1' });
  t.equal(api.currentResourceVersion(), rv2);
  t.not(rv, rv2);
});

t.test('when the namespace has no default service account, then pod creation is forbidden with the real message', async (t) => {
  const api = createApi();
  await api.delete(serviceAccounts, 'default', 'default', {}, wo());
  t.match(await statusOf(api.create(pods, 'default', pod('p'), wo())), { code: 403, reason: 'Forbidden', message: 'pods "p" is forbidden: error looking up service account default/default: serviceaccount "default" not found' });
  t.ok(api.get(namespaces, undefined, 'default'));
});

t.test('when secrets and services are written, then the scheme defaults apply and immutable data stays', async (t) => {
  const api = createApi();
  const secret = await api.create(secrets, 'default', { metadata: { name: 's' }, stringData: { password: 'hunter2' } } as KubeObject, wo());
  t.equal(secret.type, 'Opaque');
  t.same(secret.data, { password: Buffer.from('hunter2').toString('base64') });
  t.equal(secret.stringData, undefined);
  const svc = await api.create(services, 'default', { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } } as KubeObject, wo());
  t.match(svc.spec, { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
  const frozen = await api.create(configMaps, 'default', { ...cm('frozen'), immutable: true } as KubeObject, wo());
  t.match(await statusOf(api.update(configMaps, 'default', 'frozen', { ...frozen, data: { a: 'changed' } }, wo())), {
    code: 422, message: 'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
  });
  const labelled = await api.update(configMaps, 'default', 'frozen', { ...frozen, metadata: { ...frozen.metadata, labels: { ok: 'yes' } } }, wo());
  t.same(labelled.metadata.labels, { ok: 'yes' });
});

t.test('when a PUT carries another uid, then it conflicts; when it omits defaulted pod fields, they are filled in', async (t) => {
  const api = createApi();
  const c = await api.create(configMaps, 'default', cm('u'), wo());
  t.match(await statusOf(api.update(configMaps, 'default', 'u', { ...c, metadata: { ...c.metadata, uid: 'someone-else' } }, wo())), {
    code: 409, message: `Operation cannot be fulfilled on configmaps "u": Precondition failed: UID in precondition: someone-else, UID in object meta: ${c.metadata.uid}`,
  });
  const p = await api.create(pods, 'default', pod('put'), wo());
  const body = structuredClone(p) as any;
  delete body.spec.containers[0].terminationMessagePath;
  delete body.spec.dnsPolicy;
  body.spec.containers[0].image = 'nginx:1.28';
  const updated = await api.update(pods, 'default', 'put', body, wo());
  t.equal((updated.spec as any).containers[0].image, 'nginx:1.28');
  t.equal((updated.spec as any).dnsPolicy, 'ClusterFirst');
});

t.test('when unknown fields sit inside lists, then Warn names their full path and drops only them', async (t) => {
  const api = createApi();
  const warnings: string[] = [];
  const body = pod('deep', { spec: { containers: [{ name: 'c', image: 'nginx', bogus: true }] } });
  const created = await api.create(pods, 'default', body, wo({ warnings }));
  t.same(warnings, ['unknown field "spec.containers[0].bogus"']);
  t.equal((created.spec as any).containers[0].bogus, undefined);
  t.equal((created.spec as any).containers[0].image, 'nginx');
});
