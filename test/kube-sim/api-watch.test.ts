import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { configMaps, pods } from '../../infra/kube-sim/resources.js';
import type { WatchEvent } from '../../infra/kube-sim/types.js';
import { cmBody, syncStatusOf, wo } from './api-test-helpers.js';

const summary = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.object.metadata.name ?? e.object.metadata.resourceVersion}`);

t.test('when watching from unset or 0, then every matching object arrives as ADDED, then live changes in order', async (t) => {
  const api = createApi();
  await api.create(configMaps, 'default', cmBody('a'), wo());
  for (const resourceVersion of [undefined, '0']) {
    const events: WatchEvent[] = [];
    const h = api.watch(configMaps, 'default', { resourceVersion }, (e) => events.push(e));
    t.same(summary(events), ['ADDED a', 'ADDED kube-root-ca.crt']);
    h.stop();
  }
  const events: WatchEvent[] = [];
  const h = api.watch(configMaps, 'default', {}, (e) => events.push(e));
  const b = await api.create(configMaps, 'default', cmBody('b'), wo());
  await api.update(configMaps, 'default', 'b', { ...b, data: { x: 'y' } }, wo());
  await api.delete(configMaps, 'default', 'b', {}, wo());
  await api.create(configMaps, 'kube-system', cmBody('elsewhere'), wo());
  h.stop();
  await api.create(configMaps, 'default', cmBody('after-stop'), wo());
  t.same(summary(events).slice(2), ['ADDED b', 'MODIFIED b', 'DELETED b']);
  t.equal(events[0].object.kind, 'ConfigMap');
  t.same(events[3].object.data, { x: 'y' });
  t.notOk(Object.isFrozen(events[3].object), 'a watcher gets its own copy');
});

t.test('when watching from N, then exactly the events after N are replayed before live ones', async (t) => {
  const api = createApi();
  await api.create(configMaps, 'default', cmBody('a'), wo());
  const n = api.currentResourceVersion();
  await api.create(configMaps, 'default', cmBody('b'), wo());
  await api.delete(configMaps, 'default', 'a', {}, wo());
  const events: WatchEvent[] = [];
  const h = api.watch(configMaps, undefined, { resourceVersion: n }, (e) => events.push(e));
  await api.create(configMaps, 'default', cmBody('c'), wo());
  h.stop();
  t.same(summary(events), ['ADDED b', 'DELETED a', 'ADDED c']);
  t.ok(Number(events[1].object.metadata.resourceVersion) > Number(n));
});

t.test('when N is older than the kept history, then watch throws 410 Expired with the real message', async (t) => {
  const api = createApi({ watchHistory: 3 });
  const start = api.currentResourceVersion();
  for (let i = 0; i < 5; i++) await api.create(configMaps, 'default', cmBody(`x${i}`), wo());
  const oldest = Number(api.currentResourceVersion()) - 2;
  t.match(syncStatusOf(() => api.watch(configMaps, 'default', { resourceVersion: start }, () => {})), {
    code: 410, reason: 'Expired', message: `too old resource version: ${start} (${oldest})`,
  });
  const ok = api.watch(configMaps, 'default', { resourceVersion: String(oldest - 1) }, () => {});
  ok.stop();
});

t.test('when an object moves in and out of a selector, then the watcher sees ADDED and DELETED', async (t) => {
  const api = createApi();
  const events: WatchEvent[] = [];
  const h = api.watch(configMaps, 'default', { labelSelector: 'tier=front' }, (e) => events.push(e));
  const c = await api.create(configMaps, 'default', cmBody('m', {}, { tier: 'back' }), wo());
  const front = await api.update(configMaps, 'default', 'm', { ...c, metadata: { ...c.metadata, labels: { tier: 'front' } } }, wo());
  const frontAgain = await api.update(configMaps, 'default', 'm', { ...front, data: { v: '1' } }, wo());
  await api.update(configMaps, 'default', 'm', { ...frontAgain, metadata: { ...frontAgain.metadata, labels: { tier: 'back' } } }, wo());
  h.stop();
  t.same(summary(events), ['ADDED m', 'MODIFIED m', 'DELETED m']);
  t.same(events[2].object.metadata.labels, { tier: 'back' }, 'DELETED carries the object as it now is');
});

t.test('when a watch filters by metadata.name like kubectl delete --wait, then only that object is seen', async (t) => {
  const api = createApi();
  const events: WatchEvent[] = [];
  const h = api.watch(configMaps, 'default', { fieldSelector: 'metadata.name=one' }, (e) => events.push(e));
  await api.create(configMaps, 'default', cmBody('one'), wo());
  await api.create(configMaps, 'default', cmBody('two'), wo());
  await api.delete(configMaps, 'default', 'one', {}, wo());
  h.stop();
  t.same(summary(events), ['ADDED one', 'DELETED one']);
});

t.test('when bookmarks are allowed, then they carry the kind and current RV, on request and periodically', async (t) => {
  const api = createApi({ bookmarkIntervalMs: 20 });
  const events: WatchEvent[] = [];
  const h = api.watch(pods, 'default', { allowWatchBookmarks: true }, (e) => events.push(e));
  h.bookmark();
  t.same(events, [{ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: api.currentResourceVersion() } } }]);
  await new Promise((r) => setTimeout(r, 70));
  h.stop();
  const count = events.length;
  t.ok(count >= 2, 'periodic bookmarks arrive');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(events.length, count, 'nothing after stop');
  const quiet: WatchEvent[] = [];
  const q = api.watch(pods, 'default', {}, (e) => quiet.push(e));
  q.bookmark();
  q.stop();
  t.same(quiet, [], 'no bookmark unless asked for');
});

t.test('when a watch handler throws, then that watch stops and the write and the other watchers are unaffected', async (t) => {
  const api = createApi();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  let calls = 0;
  api.watch(configMaps, 'default', { resourceVersion: api.currentResourceVersion() }, () => { calls++; throw new Error('handler broke'); });
  const healthy: WatchEvent[] = [];
  const h = api.watch(configMaps, 'default', { resourceVersion: api.currentResourceVersion() }, (e) => healthy.push(e));
  await api.create(configMaps, 'default', cmBody('one'), wo());
  await api.create(configMaps, 'default', cmBody('two'), wo());
  h.stop();
  t.equal(calls, 1);
  t.same(summary(healthy), ['ADDED one', 'ADDED two']);
  await new Promise((r) => setImmediate(r));
  t.match(warnings, [/watch on configmaps stopped after its handler threw: handler broke/]);
  let earlyCalls = 0;
  api.watch(configMaps, 'default', {}, () => { earlyCalls++; throw new Error('during replay'); });
  await api.create(configMaps, 'default', cmBody('three'), wo());
  t.equal(earlyCalls, 1, 'a watch that failed during replay hears nothing more');
});
