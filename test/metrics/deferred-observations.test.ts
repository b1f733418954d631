// Deferred observations: nothing is applied on add, everything in order on drain, in slices that yield,
// and a pile-up drains itself when nobody scrapes.
import t from 'tap';
import { DeferredObservations } from '../../functions/_shared/metrics/deferred-observations.js';

t.test('when observations are added, then none is applied until a drain, which applies all in order', async (t) => {
  const applied: Array<[string, number]> = [];
  const d = new DeferredObservations((k, v) => applied.push([k, v]));
  d.add('a', 1);
  d.add('b', 2);
  d.add('a', 3);
  t.same(applied, [], 'add does no prom-client work');
  t.equal(d.pending, 3);
  await d.drain();
  t.same(applied, [['a', 1], ['b', 2], ['a', 3]]);
  t.equal(d.pending, 0);
  await d.drain();
  t.equal(applied.length, 3, 'a second drain applies nothing twice');
});

t.test('when a drain is long, then it yields between slices and observations added meanwhile wait for the next drain', async (t) => {
  const applied: number[] = [];
  const d = new DeferredObservations((_k, v) => applied.push(v), { sliceSize: 10, highWater: 1_000_000 });
  for (let i = 0; i < 35; i++) d.add('', i);
  const first = d.drain();
  await new Promise<void>((r) => setImmediate(r));
  t.ok(applied.length > 0 && applied.length < 35, `the event loop ran mid-drain (${applied.length} applied)`);
  d.add('', 100);
  const second = d.drain();
  await first;
  t.equal(applied.length, 35, 'the first drain covers what was added before it');
  await second;
  t.same(applied.slice(-2), [34, 100], 'the second drain follows, in order');
});

t.test('when observations pile up past the high-water mark, then they drain without a scrape', async (t) => {
  const applied: number[] = [];
  const d = new DeferredObservations((_k, v) => applied.push(v), { sliceSize: 50, highWater: 100 });
  for (let i = 0; i < 100; i++) d.add('', i);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(applied.length, 100);
  t.equal(d.pending, 0);
});

t.test('when applying throws, then that drain rejects and later drains still run', async (t) => {
  let fail = true;
  const applied: number[] = [];
  const d = new DeferredObservations((_k, v) => {
    if (fail) throw new Error('bad value');
    applied.push(v);
  });
  d.add('', 1);
  await t.rejects(d.drain(), /bad value/);
  fail = false;
  d.add('', 2);
  await d.drain();
  t.same(applied, [2]);
});
