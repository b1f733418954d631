import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { KubeError } from '../../infra/kube-sim/errors.js';
import { configMaps, pods } from '../../infra/kube-sim/resources.js';
import type { Admission, AdmissionAttributes, KubeObject } from '../../infra/kube-sim/types.js';
import { podBody, statusOf, syncStatusOf, wo } from './api-test-helpers.js';

/** A test double of the Admission interface: records what it saw, can add a label, can deny. */
class RecordingAdmission implements Admission {
  calls: Array<{ phase: 'mutate' | 'validate'; attrs: AdmissionAttributes }> = [];
  deny?: (attrs: AdmissionAttributes) => string | undefined;
  addLabel?: [string, string];

  async mutate(attrs: AdmissionAttributes) {
    this.calls.push({ phase: 'mutate', attrs: structuredClone(attrs) });
    if (!this.addLabel || !attrs.object) return undefined;
    const obj = structuredClone(attrs.object);
    obj.metadata.labels = { ...obj.metadata.labels, [this.addLabel[0]]: this.addLabel[1] };
    return obj;
  }

  async validate(attrs: AdmissionAttributes) {
    this.calls.push({ phase: 'validate', attrs: structuredClone(attrs) });
    const why = this.deny?.(attrs);
    if (why) throw new KubeError(403, 'Forbidden', `admission webhook "policy.podferry.dev" denied the request: ${why}`);
  }
}

function setup() {
  const api = createApi();
  const admission = new RecordingAdmission();
  api.setAdmission(admission);
  return { api, admission };
}

t.test('when a pod is created, then mutating admission sees the defaulted pod before uid and timestamp, validating after', async (t) => {
  const { api, admission } = setup();
  admission.addLabel = ['mutated', 'yes'];
  const created = await api.create(pods, 'default', { metadata: { generateName: 'web-' }, spec: podBody('x').spec } as KubeObject, wo());
  t.same(admission.calls.map((c) => c.phase), ['mutate', 'validate']);
  const [m, v] = admission.calls.map((c) => c.attrs);
  t.match(m, { operation: 'CREATE', name: '', namespace: 'default', dryRun: false, options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'test' }, user: { username: 'tester' } });
  t.equal(m.resource.plural, 'pods');
  t.equal(m.object!.metadata.uid, undefined);
  t.equal(m.object!.metadata.creationTimestamp, undefined);
  t.equal(m.object!.metadata.generation, undefined);
  t.ok(m.object!.metadata.managedFields);
  t.match(m.object!.spec, { serviceAccountName: 'default', priority: 0, volumes: [{ name: /^kube-api-access-/ }] });
  t.equal(m.object!.status, undefined);
  t.equal(v.name, created.metadata.name);
  t.match(v.object!.metadata, { uid: created.metadata.uid, generation: 1, labels: { mutated: 'yes' } });
  t.equal(v.object!.metadata.resourceVersion, undefined);
  t.same(v.object!.status, { phase: 'Pending', qosClass: 'BestEffort' });
  t.same(created.metadata.labels, { mutated: 'yes' });
});

t.test('when validating admission denies, then the write fails with its Status and nothing is stored', async (t) => {
  const { api, admission } = setup();
  admission.deny = (a) => (a.operation === 'CREATE' ? 'privileged pods are not allowed' : undefined);
  const rv = api.currentResourceVersion();
  t.match(await statusOf(api.create(pods, 'default', podBody('p'), wo())), { code: 403, message: 'admission webhook "policy.podferry.dev" denied the request: privileged pods are not allowed' });
  t.match(syncStatusOf(() => api.get(pods, 'default', 'p')), { code: 404 });
  t.equal(api.currentResourceVersion(), rv);
});

t.test('when updating, patching, deleting and binding, then admission gets the operation, old object, options and subresource', async (t) => {
  const { api, admission } = setup();
  const created = await api.create(pods, 'default', podBody('p'), wo());
  admission.calls = [];
  await api.patch(pods, 'default', 'p', 'merge', { metadata: { labels: { a: 'b' } } }, wo({ dryRun: true }));
  t.match(admission.calls[0].attrs, { operation: 'UPDATE', dryRun: true, options: { kind: 'UpdateOptions', dryRun: ['All'] } });
  t.equal(admission.calls[0].attrs.oldObject!.metadata.resourceVersion, created.metadata.resourceVersion);
  t.same(admission.calls[1].attrs.object!.metadata.labels, { app: 'web', a: 'b' });
  admission.calls = [];
  await api.create(pods, 'default', { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } } as KubeObject, wo(), { name: 'p', subresource: 'binding' });
  t.match(admission.calls[0].attrs, { operation: 'CREATE', subresource: 'binding', name: 'p', object: { kind: 'Binding', target: { name: 'n1' } } });
  admission.calls = [];
  const stored = api.get(pods, 'default', 'p');
  await api.update(pods, 'default', 'p', { ...stored, status: { phase: 'Running' } }, wo(), 'status');
  t.match(admission.calls[0].attrs, { operation: 'UPDATE', subresource: 'status' });
  admission.calls = [];
  await api.delete(pods, 'default', 'p', { gracePeriodSeconds: 0 }, wo());
  t.same(admission.calls.map((c) => c.phase), ['mutate', 'validate']);
  t.match(admission.calls[1].attrs, { operation: 'DELETE', object: undefined, oldObject: { metadata: { name: 'p' } }, options: { kind: 'DeleteOptions', gracePeriodSeconds: 0 } });
});

t.test('when admission denies a delete, then the object stays', async (t) => {
  const { api, admission } = setup();
  await api.create(configMaps, 'default', { metadata: { name: 'keep' }, data: {} }, wo());
  admission.deny = (a) => (a.operation === 'DELETE' ? 'protected' : undefined);
  t.match(await statusOf(api.delete(configMaps, 'default', 'keep', {}, wo())), { code: 403 });
  t.ok(api.get(configMaps, 'default', 'keep'));
});

t.test('when admission fails with a plain error, then the client gets a 500 InternalError', async (t) => {
  const api = createApi();
  api.setAdmission({ mutate: async () => undefined, validate: async () => { throw new Error('boom'); } });
  t.match(await statusOf(api.create(configMaps, 'default', { metadata: { name: 'x' }, data: {} }, wo())), { code: 500, reason: 'InternalError', message: 'Internal error occurred: boom' });
});
