// The host watch's state in Redis: one lease holder at a time, writes fenced by the lease (a deposed holder
// writes nothing), snapshots never replaced by older ones, and applied marks that refuse an older host state.
import t from 'tap';
import { Redis } from 'ioredis';
import { createHostPodStateReader, createHostPodStateWriter, LeaseLostError } from '../../functions/_shared/queue/host-pod-state.js';
import { createLeaseStore } from '../../functions/_shared/queue/host-watch-lease.js';
import { hostWatchKeys } from '../../functions/_shared/queue/host-watch-keys.js';
import { countedConnection, startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

let redis: RedisHandle;
let client: Redis;
t.before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
t.teardown(async () => {
  client?.disconnect();
  await redis?.stop();
});

const virtual = { namespace: 'default', name: 'web' };

t.test('when two instances ask for the lease, then one holds it until it lapses, and the next holds a higher token', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('hw'), 'demo');
  const a = createLeaseStore(client, keys, 'a', 300);
  const b = createLeaseStore(client, keys, 'b', 300);
  const held = await a.tryAcquire();
  t.ok(held, 'a holds it');
  t.equal(await b.tryAcquire(), undefined, 'b does not while it is held');
  t.equal(await a.renew(held!), true, 'a renews');
  await new Promise((r) => setTimeout(r, 450)); // a stops renewing: the lease lapses
  const next = await b.tryAcquire();
  t.ok(next && next.token > held!.token, 'b holds it with a higher fencing token');
  t.equal(await a.renew(held!), false, 'a can no longer renew');
  await b.release(next!);
  t.equal(await b.holder(), undefined, 'released');
});

t.test('when a deposed holder writes, then the write is refused and the successor\'s state stands', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('hw'), 'demo');
  const leases = createLeaseStore(client, keys, 'old', 200);
  const old = (await leases.tryAcquire())!;
  const oldWriter = createHostPodStateWriter(client, keys, () => old.value, 5000);
  t.equal(await oldWriter.apply('web-x', '10', '{"v":10}', virtual, '10'), true);
  await new Promise((r) => setTimeout(r, 300));
  const successor = (await createLeaseStore(client, keys, 'new', 5000).tryAcquire())!;
  const newWriter = createHostPodStateWriter(client, keys, () => successor.value, 5000);
  t.equal(await newWriter.apply('web-x', '12', '{"v":12}', virtual, '12'), true);
  await t.rejects(oldWriter.apply('web-x', '13', '{"v":13}', virtual, '13'), LeaseLostError);
  await t.rejects(oldWriter.remove('web-x'), LeaseLostError);
  const reader = createHostPodStateReader(client, keys);
  t.same(await reader.read('web-x'), { healthy: true, snapshot: '{"v":12}' });
  t.equal(await newWriter.watchRv(), '12');
});

t.test('when snapshots arrive out of order, then an older or repeated one never replaces a newer one', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('hw'), 'demo');
  const lease = (await createLeaseStore(client, keys, 'a', 5000).tryAcquire())!;
  const writer = createHostPodStateWriter(client, keys, () => lease.value, 5000);
  const reader = createHostPodStateReader(client, keys);
  t.equal(await writer.apply('p', '20', 's20', virtual), true);
  t.equal(await writer.apply('p', '19', 's19', virtual), false, 'older: refused');
  t.equal(await writer.apply('p', '20', 's20b', virtual), false, 'same: refused');
  t.equal((await reader.read('p')).snapshot, 's20');
  t.same(await reader.virtualOf('p'), { resourceVersion: '20', virtual });
  // Opaque RVs cannot be ordered: the later arrival on the (single, ordered) watch wins.
  t.equal(await writer.apply('q', 'x1', 'sx1', virtual), true);
  t.equal(await writer.apply('q', 'a0', 'sa0', virtual), true);
  t.equal((await reader.read('q')).snapshot, 'sa0');
  t.equal(await writer.remove('p'), true);
  t.equal(await writer.remove('p'), false, 'already gone');
  t.same([...(await writer.index()).keys()], ['q']);
});

t.test('when host states are marked as applied, then an older one is refused and the same or a newer one accepted', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('hw'), 'demo');
  const reader = createHostPodStateReader(client, keys);
  t.equal(await reader.markApplied('p', '100'), true);
  t.equal(await reader.markApplied('p', '99'), false, 'older than what the virtual pod shows');
  t.equal(await reader.markApplied('p', '100'), true, 'the same state again (a retry)');
  t.equal(await reader.markApplied('p', '101'), true);
  t.equal(await reader.markApplied('p', '100'), false);
});

t.test('when no event or bookmark came within the stale time, then readers see the watch as unhealthy', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('hw'), 'demo');
  const lease = (await createLeaseStore(client, keys, 'a', 5000).tryAcquire())!;
  const writer = createHostPodStateWriter(client, keys, () => lease.value, 150);
  const reader = createHostPodStateReader(client, keys);
  await writer.apply('p', '1', 's1', virtual);
  t.equal((await reader.read('p')).healthy, true);
  await new Promise((r) => setTimeout(r, 250));
  t.same(await reader.read('p'), { healthy: false, snapshot: 's1' }, 'the snapshot stays, but is not trusted');
  await writer.progress('2');
  t.equal((await reader.read('p')).healthy, true, 'a bookmark shows life again');
});

t.test('when workers remember the virtual pod they wrote, then the newest stays, is read with the snapshot, expires and can be forgotten', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('hw'), 'demo');
  const reader = createHostPodStateReader(client, keys);
  t.equal((await reader.read('p')).seenVirtual, undefined, 'nothing remembered yet');
  await reader.rememberVirtual('p', '41', '{"rv":41}', 60_000);
  await reader.rememberVirtual('p', '40', '{"rv":40}', 60_000);
  t.equal((await reader.read('p')).seenVirtual, '{"rv":41}', 'an older write, remembered late, does not replace the newer one');
  await reader.rememberVirtual('p', '42', '{"rv":42}', 60_000);
  t.same(await reader.read('p'), { healthy: false, seenVirtual: '{"rv":42}' }, 'the newer one replaces it, read in the same command');
  const ttl = await client.pttl(keys.seenVirtual('p'));
  t.ok(ttl > 0 && ttl <= 60_000, `kept for a while only (pttl ${ttl})`);
  await reader.forgetVirtual('p');
  t.equal((await reader.read('p')).seenVirtual, undefined, 'forgotten');
  const lease = (await createLeaseStore(client, keys, 'a', 5000).tryAcquire())!;
  const writer = createHostPodStateWriter(client, keys, () => lease.value, 5000);
  await writer.apply('p', '50', 's50', virtual);
  await reader.rememberVirtual('p', '43', '{"rv":43}', 60_000);
  await writer.remove('p');
  t.equal((await reader.read('p')).seenVirtual, undefined, 'forgotten with its host pod');
  await reader.rememberVirtual('q', '7', '{"rv":7}', 50);
  await new Promise((r) => setTimeout(r, 120));
  t.equal((await reader.read('q')).seenVirtual, undefined, 'expired');
});

t.test('when the watch writes a large batch, then every write lands in order, one script call per hundred, and the lease fences it', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('hw'), 'demo');
  const lease = (await createLeaseStore(client, keys, 'a', 5000).tryAcquire())!;
  const { connection, sent } = countedConnection(t, redis.url);
  const writer = createHostPodStateWriter(connection, keys, () => lease.value, 5000);
  const reader = createHostPodStateReader(client, keys);
  t.equal(await writer.apply('p-0', '50', 's50', virtual), true);
  await client.set(keys.seenVirtual('p-1'), '1\t{}');
  const writes = [
    ...Array.from({ length: 240 }, (_, i) => ({ pod: `p-${i}`, resourceVersion: '40', snapshot: `s40-${i}`, virtual })),
    { pod: 'p-1', remove: true as const },
    { pod: 'p-1', remove: true as const },
    { pod: 'p-2', resourceVersion: '41', snapshot: 's41', virtual },
  ];
  sent.length = 0;
  const changed = await writer.writeMany(writes);
  t.same(sent, ['evalsha', 'evalsha', 'evalsha'], '243 writes, three script calls');
  t.equal(changed.length, writes.length, 'one answer per write, in order');
  t.equal(changed[0], false, 'older than the snapshot already there: refused');
  t.same(changed.slice(1, 240).every(Boolean), true);
  t.same(changed.slice(240), [true, false, true], 'removed, already gone, then a newer snapshot');
  t.equal((await reader.read('p-0')).snapshot, 's50');
  t.equal((await reader.read('p-239')).snapshot, 's40-239');
  t.equal((await reader.read('p-1')).snapshot, undefined);
  t.equal(await client.exists(keys.seenVirtual('p-1')), 0, 'a removal forgets the seen virtual pod');
  t.equal((await reader.read('p-2')).snapshot, 's41');
  t.equal((await writer.index()).size, 239);

  const events = Array.from({ length: 150 }, (_, i) => ({ name: `e-${i}`, hostPod: `p-${i % 3}`, resourceVersion: '7', json: `{"i":${i}}` }));
  sent.length = 0;
  await writer.stashEvents(events, 60_000);
  t.same(sent, ['evalsha', 'evalsha'], '150 events, two script calls');
  t.equal((await reader.eventWork('p-2', [])).pending.size, 50, 'each marked pending for its pod');

  await client.set(keys.lease, 'someone else');
  await t.rejects(writer.writeMany(writes.slice(0, 3)), LeaseLostError);
  await t.rejects(writer.stashEvents(events.slice(0, 3), 60_000), LeaseLostError);
});
