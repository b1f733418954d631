import t from 'tap';
import { Queue } from 'bullmq';
import { createSyncProducer, RedisUnavailableError } from '../../functions/_shared/queue/producer.js';
import { createRedisConnection, connectionOptions, reconnectDelayMs } from '../../functions/_shared/queue/connection.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import type { ObjectRef } from '../../functions/_shared/core/job-refs.js';

const ref: ObjectRef = { cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'web' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 8000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out: ${what}`);
}

t.test('connection options: the producer fails fast and the worker waits out outages', async (t) => {
  t.equal(connectionOptions('producer').enableOfflineQueue, false);
  t.equal(connectionOptions('worker').maxRetriesPerRequest, null);
  t.same([1, 2, 5, 50].map(reconnectDelayMs), [100, 200, 1600, 2000], 'reconnect backoff is capped at 2 s');
});

t.test('when Redis goes away and comes back, then enqueue fails at once meanwhile and works again after', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const prefix = uniquePrefix('p');
  // An own timeout longer than the test's, so a rejection below cannot be the timeout firing.
  const producer = createSyncProducer({ redisUrl: redis.url, prefix, timeoutMs: 600_000 });
  t.teardown(() => producer.close());
  await until(() => producer.ping(), 'first ping');
  t.ok(await producer.enqueue(ref, 'admission'), 'enqueued while up');

  await redis.goDown();
  await until(async () => !(await producer.ping()), 'ping fails');
  await t.rejects(producer.enqueue(ref, 'admission'), RedisUnavailableError);
  await t.rejects(producer.enqueueMany([ref], 'audit'), RedisUnavailableError);

  await redis.comeBack();
  await until(() => producer.ping(), 'ping after restart');
  await producer.enqueue({ ...ref, name: 'after' }, 'audit');
  const conn = createRedisConnection(redis.url, 'producer');
  const queue = new Queue(QUEUE_NAMES.sync, { connection: conn, prefix });
  t.teardown(async () => { await queue.close(); conn.disconnect(); });
  const names = (await queue.getJobs(['waiting'])).map((j) => j.data.name);
  t.same(names, ['after'], 'the restarted (empty) Redis received the new job');
});

t.test('when Redis is down from the start, then enqueue and ping fail at once', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  await redis.goDown();
  // An own timeout longer than the test's: only an at-once rejection lets this test finish.
  const producer = createSyncProducer({ redisUrl: redis.url, prefix: uniquePrefix('p'), timeoutMs: 600_000 });
  t.teardown(() => producer.close());
  await t.rejects(producer.enqueue(ref, 'admission'), { code: 'REDIS_UNAVAILABLE' });
  t.equal(await producer.ping(), false);
});
