import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { configMaps, pods } from '../../infra/kube-sim/resources.js';
import { decodeContinue, encodeContinue } from '../../infra/kube-sim/api-list.js';
import { cmBody, podBody, statusOf, syncStatusOf, wo } from './api-test-helpers.js';

const names = (list: { items: Array<{ metadata: { name?: string } }> }) => list.items.map((o) => o.metadata.name);

async function seeded(watchHistory?: number) {
  const api = createApi({ watchHistory });
  for (const [name, tier] of [['a', 'front'], ['b', 'back'], ['c', 'front'], ['d', 'back'], ['e', 'front']]) {
    await api.create(configMaps, 'default', cmBody(name, {}, { tier }), wo());
  }
  return api;
}

t.test('when listing, then the list carries its kind, the current RV, and items sorted by name', async (t) => {
  const api = await seeded();
  const list = api.list(configMaps, 'default', {});
  t.equal(list.kind, 'ConfigMapList');
  t.equal(list.apiVersion, 'v1');
  t.equal(list.metadata.resourceVersion, api.currentResourceVersion());
  t.same(names(list), ['a', 'b', 'c', 'd', 'e', 'kube-root-ca.crt']);
  t.ok(Object.isFrozen(list.items[0]), 'items are the shared stored objects, frozen');
  const all = api.list(configMaps, undefined, {});
  t.same([...new Set(all.items.map((o) => o.metadata.namespace))], ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
});

t.test('when selectors are given, then label and field selectors filter, and bad ones answer 400', async (t) => {
  const api = await seeded();
  t.same(names(api.list(configMaps, 'default', { labelSelector: 'tier=front' })), ['a', 'c', 'e']);
  t.same(names(api.list(configMaps, 'default', { labelSelector: 'tier notin (front)' })), ['b', 'd', 'kube-root-ca.crt']);
  t.same(names(api.list(configMaps, 'default', { fieldSelector: 'metadata.name=b' })), ['b']);
  t.same(names(api.list(configMaps, 'default', { labelSelector: 'tier=back', fieldSelector: 'metadata.name!=b' })), ['d']);
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { fieldSelector: 'data.x=1' })), { code: 400, reason: 'BadRequest' });
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { labelSelector: 'a b' })), { code: 400 });
  await api.create(pods, 'default', podBody('p'), wo());
  t.same(names(api.list(pods, 'default', { fieldSelector: 'status.phase=Pending,spec.nodeName=' })), ['p']);
});

t.test('when paginating, then pages chain through continue tokens over one consistent snapshot', async (t) => {
  const api = await seeded();
  const page1 = api.list(configMaps, 'default', { limit: 2 });
  t.same(names(page1), ['a', 'b']);
  t.equal(page1.metadata.remainingItemCount, 4);
  const rv = page1.metadata.resourceVersion;
  // Changes after the first page must not show in later pages.
  await api.delete(configMaps, 'default', 'c', {}, wo());
  await api.create(configMaps, 'default', cmBody('bb'), wo());
  const b = api.get(configMaps, 'default', 'd');
  await api.update(configMaps, 'default', 'd', { ...b, data: { changed: 'yes' } }, wo());
  const page2 = api.list(configMaps, 'default', { limit: 2, continue: page1.metadata.continue });
  t.same(names(page2), ['c', 'd']);
  t.same(page2.items[1].data, {}, 'd as it was at the snapshot');
  t.equal(page2.metadata.resourceVersion, rv);
  const page3 = api.list(configMaps, 'default', { limit: 2, continue: page2.metadata.continue });
  t.same(names(page3), ['e', 'kube-root-ca.crt']);
  t.equal(page3.metadata.continue, undefined);
  t.equal(page3.metadata.remainingItemCount, undefined);
});

t.test('when a continue token is expired or garbled, then 410 Expired or 400 BadRequest', async (t) => {
  const api = await seeded(3);
  const page1 = api.list(configMaps, 'default', { limit: 1 });
  for (let i = 0; i < 5; i++) await api.create(configMaps, 'default', cmBody(`n${i}`), wo());
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { limit: 1, continue: page1.metadata.continue })), { code: 410, reason: 'Expired', message: /^The provided continue parameter is too old/ });
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { continue: 'garbage' })), { code: 400, reason: 'BadRequest' });
  t.same(decodeContinue(encodeContinue({ rv: 7, start: 'default/a' })), { rv: 7, start: 'default/a' });
});

t.test('when a resourceVersion is asked for, then 0 and unset read current, Exact reads history, too new or too old fail', async (t) => {
  const api = await seeded(4);
  const before = api.currentResourceVersion();
  await api.create(configMaps, 'default', cmBody('later'), wo());
  t.ok(names(api.list(configMaps, 'default', { resourceVersion: '0' })).includes('later'));
  t.ok(names(api.list(configMaps, 'default', { resourceVersion: before })).includes('later'), 'NotOlderThan may serve newer');
  const exact = api.list(configMaps, 'default', { resourceVersion: before, resourceVersionMatch: 'Exact' });
  t.notOk(names(exact).includes('later'));
  t.equal(exact.metadata.resourceVersion, before);
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { resourceVersion: '1', resourceVersionMatch: 'Exact' })), { code: 410, reason: 'Expired' });
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { resourceVersion: '99999' })), { code: 504, reason: 'Timeout' });
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { resourceVersion: 'abc' })), { code: 400 });
  t.match(syncStatusOf(() => api.list(configMaps, 'default', { resourceVersionMatch: 'Exact' })), { code: 400 });
  t.match(await statusOf(Promise.resolve()), undefined);
});
