// The shared copy of a namespace's labels: read back as written, never replaced by an older copy (a sync that
// read the namespace before a label change must not undo the namespace job's refresh), gone after its TTL.
import t from 'tap';
import { Redis } from 'ioredis';
import { createNamespaceLabelsCache } from '../../functions/_shared/queue/namespace-labels.js';
import { startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

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

t.test('when copies of a namespace\'s labels are written, then the newest stands until it expires', async (t) => {
  const cache = createNamespaceLabelsCache(client, uniquePrefix('ns'), 'demo', 300);
  t.equal(await cache.get('team-a'), undefined, 'no copy yet');
  await cache.put('team-a', '12', { tier: 'gold' });
  t.same(await cache.get('team-a'), { tier: 'gold' });
  await cache.put('team-a', '10', { tier: 'bronze' });
  t.same(await cache.get('team-a'), { tier: 'gold' }, 'an older copy does not replace it');
  await cache.put('team-a', '15', {});
  t.same(await cache.get('team-a'), {}, 'a newer one does, even without labels');
  await new Promise((r) => setTimeout(r, 400));
  t.equal(await cache.get('team-a'), undefined, 'expired: the namespace is read again');
});
