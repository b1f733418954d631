// The host rate limit is shared through Redis: two clients (standing for two worker processes) together get
// no more than the configured rate, and a 429 pause holds both.
import t from 'tap';
import { Redis } from 'ioredis';
import { createHostRateLimit } from '../../functions/_shared/queue/host-rate-limit.js';
import { startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

let redis: RedisHandle;
const clients: Redis[] = [];
t.before(async () => {
  redis = await startRedis();
});
t.teardown(async () => {
  for (const c of clients) c.disconnect();
  await redis?.stop();
});
const client = () => {
  const c = new Redis(redis.url);
  clients.push(c);
  return c;
};

t.test('when two processes take 60 tokens at 100 per second with a burst of 10, then it takes about half a second', async (t) => {
  const key = `${uniquePrefix('rl')}:host`;
  const a = createHostRateLimit(client(), { key, qps: 100, burst: 10 });
  const b = createHostRateLimit(client(), { key, qps: 100, burst: 10 });
  const started = Date.now();
  await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).take()));
  const elapsed = Date.now() - started;
  // 10 tokens at once, the other 50 at 10 ms each: at least 500 ms (minus timer slack), whichever process asks.
  t.ok(elapsed >= 450, `took ${elapsed} ms`);
});

t.test('when one process is told to pause for a 429, then the other waits too', async (t) => {
  const key = `${uniquePrefix('rl')}:host`;
  const a = createHostRateLimit(client(), { key, qps: 1000, burst: 100 });
  const b = createHostRateLimit(client(), { key, qps: 1000, burst: 100 });
  await a.pauseAll(400);
  const started = Date.now();
  await b.take();
  t.ok(Date.now() - started >= 350, 'the pause reached the other process');
});

t.test('when no rate is configured, then take never asks Redis', async (t) => {
  // A client that never connects: a take that needed Redis would hang here until tap's timeout.
  const offline = new Redis({ lazyConnect: true, port: 1, enableOfflineQueue: true });
  t.teardown(() => offline.disconnect());
  const limit = createHostRateLimit(offline, { key: `${uniquePrefix('rl')}:host`, qps: 0 });
  for (let i = 0; i < 100; i++) await limit.take();
  t.equal(offline.status, 'wait', 'the client was never used');
});
