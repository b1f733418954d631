// The marks workers share for a short while: read in one round trip as written, each kept apart by virtual
// identity and by virtual cluster, forgotten on demand, gone after their TTL.
import t from 'tap';
import { Redis } from 'ioredis';
import { copyMark, createSharedMarks, serviceLinksMark } from '../../functions/_shared/queue/shared-marks.js';
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

t.test('when marks are set, then they read back together, apart by identity and cluster, until forgotten or expired', async (t) => {
  const prefix = uniquePrefix('marks');
  const marks = createSharedMarks(client, prefix, 'demo', 300);
  const other = createSharedMarks(client, prefix, 'other', 300);
  const root = copyMark('ConfigMap', 'team-a', 'kube-root-ca.crt');
  // Pod `a-x-b`'s ConfigMap in namespace `c` and `a`'s in `b-x-c` share a host name, never a mark.
  const colliding = [copyMark('ConfigMap', 'c', 'a-x-b'), copyMark('ConfigMap', 'b-x-c', 'a')];
  t.same(await marks.get([]), [], 'nothing asked, nothing read');
  t.same(await marks.get([root, serviceLinksMark('team-a')]), [undefined, undefined], 'no marks yet');

  await marks.set(root, '41');
  await marks.set(serviceLinksMark('team-a'), '[]');
  await marks.set(colliding[0], '7');
  t.same(await marks.get([root, serviceLinksMark('team-a'), serviceLinksMark('team-b')]), ['41', '[]', undefined]);
  t.same(await marks.get(colliding), ['7', undefined], 'a colliding name does not inherit the mark');
  t.same(await marks.get([root]), ['41']);
  t.same(await other.get([root]), [undefined], 'another virtual cluster sees none of them');

  await marks.forget([root]);
  t.same(await marks.get([root, serviceLinksMark('team-a')]), [undefined, '[]'], 'forgotten: checked again by the next pod');
  await new Promise((r) => setTimeout(r, 400));
  t.same(await marks.get([serviceLinksMark('team-a'), colliding[0]]), [undefined, undefined], 'expired');
});
