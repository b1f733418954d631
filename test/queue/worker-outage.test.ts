import t from 'tap';
import { Queue, Worker } from 'bullmq';
import { createRedisConnection } from '../../functions/_shared/queue/connection.js';
import { enqueueSync } from '../../functions/_shared/queue/enqueue-sync.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { createSyncQueue } from '../../functions/_shared/queue/producer.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// BullMQ issue #4585: after an outage longer than drainDelay + 1 s, workers on some 6.x versions never
// resumed. The worker connection from connection.ts must wait the outage out and pick up new work.
t.test('when Redis is away longer than the worker\'s drain delay, then the worker resumes afterwards', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const prefix = uniquePrefix('o');
  const workerConn = createRedisConnection(redis.url, 'worker');
  const seen: string[] = [];
  const worker = new Worker(QUEUE_NAMES.sync, async (job) => { seen.push(job.data.name); }, { connection: workerConn, prefix, drainDelay: 1 });
  worker.on('error', () => {});
  t.teardown(async () => {
    await Promise.race([worker.close(true), sleep(2000)]);
    workerConn.disconnect();
  });
  const producerConn = createRedisConnection(redis.url, 'producer');
  const queue: Queue = createSyncQueue(producerConn, prefix);
  t.teardown(async () => { await queue.close(); producerConn.disconnect(); });
  await queue.waitUntilReady();

  await enqueueSync(queue, { cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'before' }, 'audit');
  for (let i = 0; i < 200 && seen.length < 1; i++) await sleep(20);
  t.same(seen, ['before']);

  await redis.goDown();
  await sleep(2500);
  await redis.comeBack();
  for (let i = 0; i < 200 && producerConn.status !== 'ready'; i++) await sleep(20);
  await enqueueSync(queue, { cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'after' }, 'audit');
  for (let i = 0; i < 400 && seen.length < 2; i++) await sleep(25);
  t.same(seen, ['before', 'after'], 'the job added after the outage was processed');
});
