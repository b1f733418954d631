import t from 'tap';
import { setImmediate as tick } from 'node:timers/promises';
import { createApi } from '../../infra/kube-sim/api.js';
import { configMaps, namespaces, pods, serviceAccounts } from '../../infra/kube-sim/resources.js';
import type { KubeObject, WatchEvent } from '../../infra/kube-sim/types.js';
import { cmBody, podBody, statusOf, syncStatusOf, wo } from './api-test-helpers.js';

const NOW = new Date('2026-03-01T10:00:00Z');

async function boundPod(api: ReturnType<typeof createApi>, name: string, extra: Record<string, unknown> = {}) {
  await api.create(pods, 'default', { ...podBody(name), ...extra } as KubeObject, wo());
  await api.create(pods, 'default', { metadata: { name }, target: { kind: 'Node', name: 'node-1' } } as KubeObject, wo(), { name, subresource: 'binding' });
}

t.test('when a bound pod is deleted, then it terminates gracefully, may only shorten grace, and goes at grace 0', async (t) => {
  const api = createApi({ now: () => NOW });
  await boundPod(api, 'p');
  const events: WatchEvent[] = [];
  const handle = api.watch(pods, 'default', { resourceVersion: api.currentResourceVersion() }, (e) => events.push(e));
  const first = await api.delete(pods, 'default', 'p', {}, wo());
  t.equal(first.gone, false);
  t.equal(first.object.metadata.deletionTimestamp, '2026-03-01T10:00:30Z');
  t.equal(first.object.metadata.deletionGracePeriodSeconds, 30);
  t.equal(first.object.metadata.generation, 2);
  const longer = await api.delete(pods, 'default', 'p', { gracePeriodSeconds: 60 }, wo());
  t.equal(longer.object.metadata.deletionGracePeriodSeconds, 30, 'a longer grace is ignored');
  const shorter = await api.delete(pods, 'default', 'p', { gracePeriodSeconds: 5 }, wo());
  t.equal(shorter.object.metadata.deletionTimestamp, '2026-03-01T10:00:05Z');
  const uid = first.object.metadata.uid;
  const last = await api.delete(pods, 'default', 'p', { gracePeriodSeconds: 0, preconditions: { uid } }, wo());
  t.equal(last.gone, true);
  t.match(syncStatusOf(() => api.get(pods, 'default', 'p')), { code: 404 });
  handle.stop();
  t.same(events.map((e) => e.type), ['MODIFIED', 'MODIFIED', 'DELETED']);
  t.equal(events[2].object.metadata.resourceVersion, api.currentResourceVersion(), 'DELETED carries a new RV');
  t.equal(events[2].object.metadata.deletionGracePeriodSeconds, 5, 'DELETED carries the final object');
});

t.test('when a pod is unscheduled or terminal, then its grace is forced to 0 and it goes at once', async (t) => {
  const api = createApi();
  await api.create(pods, 'default', podBody('pending'), wo());
  t.equal((await api.delete(pods, 'default', 'pending', { gracePeriodSeconds: 30 }, wo())).gone, true);
  await boundPod(api, 'done');
  const stored = api.get(pods, 'default', 'done');
  await api.update(pods, 'default', 'done', { ...stored, status: { ...(stored.status as object), phase: 'Succeeded' } }, wo(), 'status');
  t.equal((await api.delete(pods, 'default', 'done', {}, wo())).gone, true);
});

t.test('when preconditions do not match, then delete conflicts with the real messages', async (t) => {
  const api = createApi();
  const c = await api.create(configMaps, 'default', cmBody('c'), wo());
  t.match(await statusOf(api.delete(configMaps, 'default', 'c', { preconditions: { uid: 'u-1' } }, wo())), {
    code: 409, reason: 'Conflict',
    message: `Operation cannot be fulfilled on configmaps "c": the UID in the precondition (u-1) does not match the UID in record (${c.metadata.uid}). The object might have been deleted and then recreated`,
  });
  t.match(await statusOf(api.delete(configMaps, 'default', 'c', { preconditions: { resourceVersion: '1' } }, wo())), {
    code: 409, message: `Operation cannot be fulfilled on configmaps "c": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${c.metadata.resourceVersion}). The object might have been modified`,
  });
  t.equal((await api.delete(configMaps, 'default', 'c', { preconditions: { uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion } }, wo())).gone, true);
});

t.test('when an object has finalizers, then delete only marks it, and emptying the finalizers removes it', async (t) => {
  const api = createApi({ now: () => NOW });
  await api.create(configMaps, 'default', { ...cmBody('f'), metadata: { name: 'f', finalizers: ['example.com/hold'] } }, wo());
  const marked = await api.delete(configMaps, 'default', 'f', {}, wo());
  t.equal(marked.gone, false);
  t.equal(marked.object.metadata.deletionTimestamp, '2026-03-01T10:00:00Z');
  t.equal(marked.object.metadata.deletionGracePeriodSeconds, 0);
  const stored = api.get(configMaps, 'default', 'f');
  t.match(await statusOf(api.update(configMaps, 'default', 'f', { ...stored, metadata: { ...stored.metadata, finalizers: ['example.com/hold', 'new'] } }, wo())), { code: 422 });
  await api.update(configMaps, 'default', 'f', { ...stored, metadata: { ...stored.metadata, finalizers: [] } }, wo());
  t.match(syncStatusOf(() => api.get(configMaps, 'default', 'f')), { code: 404 });
});

t.test('when deleteCollection runs with a selector, then it deletes the matches only', async (t) => {
  const api = createApi();
  await api.create(configMaps, 'default', cmBody('a', {}, { team: 'x' }), wo());
  await api.create(configMaps, 'default', cmBody('b', {}, { team: 'y' }), wo());
  const out = await api.deleteCollection(configMaps, 'default', { labelSelector: 'team=x' }, {}, wo());
  t.same(out.items.map((o) => o.metadata.name), ['a']);
  t.same(api.list(configMaps, 'default', {}).items.map((o) => o.metadata.name).sort(), ['b', 'kube-root-ca.crt']);
});

t.test('when a namespace is created, then it gets its label, finalizer, phase, default SA and root CA', async (t) => {
  const api = createApi();
  const ns = await api.create(namespaces, undefined, { metadata: { name: 'team-a' } }, wo());
  t.same(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  t.same(ns.spec, { finalizers: ['kubernetes'] });
  t.same(ns.status, { phase: 'Active' });
  t.ok(api.get(serviceAccounts, 'team-a', 'default'));
  t.match(api.get(configMaps, 'team-a', 'kube-root-ca.crt').data, { 'ca.crt': /BEGIN CERTIFICATE/ });
  t.match(await statusOf(api.create(namespaces, undefined, { metadata: { name: 'Team_B' } }, wo())), { code: 422, message: /a lowercase RFC 1123 label must consist of/ });
  t.same(api.list(namespaces, undefined, {}).items.map((o) => o.metadata.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'team-a']);
  const generated = await api.create(namespaces, undefined, { metadata: { generateName: 'gen-' } }, wo());
  t.same(generated.metadata.labels, { 'kubernetes.io/metadata.name': generated.metadata.name });
});

t.test('when a namespace is deleted, then it terminates, refuses new content, empties, then disappears', async (t) => {
  const api = createApi();
  await api.create(namespaces, undefined, { metadata: { name: 'gone' } }, wo());
  await api.create(configMaps, 'gone', cmBody('c'), wo());
  const del = await api.delete(namespaces, undefined, 'gone', {}, wo());
  t.equal(del.gone, false);
  t.equal((del.object.status as any).phase, 'Terminating');
  t.match(await statusOf(api.create(configMaps, 'gone', cmBody('late'), wo())), {
    code: 403, reason: 'Forbidden', message: 'configmaps "late" is forbidden: unable to create new content in namespace gone because it is being terminated',
  });
  for (let i = 0; i < 10 && api.list(namespaces, undefined, { fieldSelector: 'metadata.name=gone' }).items.length; i++) await tick();
  t.match(syncStatusOf(() => api.get(namespaces, undefined, 'gone')), { code: 404 });
  t.same(api.list(configMaps, 'gone', {}).items, []);
});

t.test('when a namespace holds a running pod, then it stays Terminating until the pod is finally deleted', async (t) => {
  const api = createApi();
  await api.create(namespaces, undefined, { metadata: { name: 'busy' } }, wo());
  await api.create(pods, 'busy', podBody('p'), wo());
  await api.create(pods, 'busy', { metadata: { name: 'p' }, target: { name: 'node-1' } } as KubeObject, wo(), { name: 'p', subresource: 'binding' });
  await api.delete(namespaces, undefined, 'busy', {}, wo());
  for (let i = 0; i < 5; i++) await tick();
  t.ok(api.get(pods, 'busy', 'p').metadata.deletionTimestamp, 'pod is terminating gracefully');
  t.equal((api.get(namespaces, undefined, 'busy').status as any).phase, 'Terminating');
  await api.delete(pods, 'busy', 'p', { gracePeriodSeconds: 0 }, wo());
  for (let i = 0; i < 5; i++) await tick();
  t.match(syncStatusOf(() => api.get(namespaces, undefined, 'busy')), { code: 404 });
});

t.test('when a protected namespace is deleted, then 403 says it may not be deleted', async (t) => {
  const api = createApi();
  for (const name of ['default', 'kube-system', 'kube-public']) {
    t.match(await statusOf(api.delete(namespaces, undefined, name, {}, wo())), { code: 403, message: `namespaces "${name}" is forbidden: this namespace may not be deleted` });
  }
});

t.test('when a namespace is updated, then its finalizers and name label hold, and only /finalize changes finalizers', async (t) => {
  const api = createApi();
  const ns = await api.create(namespaces, undefined, { metadata: { name: 'upd' } }, wo());
  const updated = await api.update(namespaces, undefined, 'upd', { ...ns, metadata: { ...ns.metadata, labels: { team: 'a' } }, spec: { finalizers: [] } }, wo());
  t.same(updated.metadata.labels, { team: 'a', 'kubernetes.io/metadata.name': 'upd' });
  t.same(updated.spec, { finalizers: ['kubernetes'] });
  const finalized = await api.update(namespaces, undefined, 'upd', { ...updated, spec: { finalizers: [] } }, wo(), 'finalize');
  t.same(finalized.spec, { finalizers: [] });
  t.same(finalized.metadata.labels, updated.metadata.labels);
});
