// The resync schedule survives a Redis that comes back empty: without it no resync would ever run again
// until a worker restarted, and jobs lost with Redis would stay lost.
import t from 'tap';
import { Queue } from 'bullmq';
import pino from 'pino';
import { createRedisConnection } from '../../functions/_shared/queue/connection.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { createResyncSchedule, RESYNC_SCHEDULER_ID } from '../../functions/worker/resync-schedule.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('when Redis restarts empty, then the resync scheduler is recreated and a resync is queued at once', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const connection = createRedisConnection(redis.url, 'worker');
  const queue = new Queue(QUEUE_NAMES.resync, { connection, prefix: uniquePrefix('rs') });
  queue.on('error', () => {});
  const schedule = createResyncSchedule({ queue, connection, cluster: 'vc1', intervalSeconds: 60, log: pino({ level: 'silent' }), checkEveryMs: 200 });
  t.teardown(async () => {
    schedule.stop();
    await queue.close();
    connection.disconnect();
  });
  await schedule.start();
  t.ok(await queue.getJobScheduler(RESYNC_SCHEDULER_ID), 'scheduled at start');
  t.equal(await schedule.ensure(), false, 'nothing to recreate while it exists');

  await redis.goDown();
  await sleep(500);
  await redis.comeBack();
  let found;
  for (let i = 0; i < 100 && !found; i++) {
    await sleep(50);
    found = await queue.getJobScheduler(RESYNC_SCHEDULER_ID).catch(() => undefined);
  }
  t.ok(found, 'the scheduler exists again');
  t.equal(found?.every, 60_000, 'with the configured interval');
  const waiting = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
  t.ok(waiting.some((j) => j.name === 'resync vc1' && !j.id?.startsWith('repeat:')), 'a resync was asked for now, not only at the next interval');
});

t.test('when the scheduler is removed without a disconnect, then the periodic check recreates it', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const connection = createRedisConnection(redis.url, 'worker');
  const queue = new Queue(QUEUE_NAMES.resync, { connection, prefix: uniquePrefix('rs') });
  const schedule = createResyncSchedule({ queue, connection, cluster: 'vc1', intervalSeconds: 30, log: pino({ level: 'silent' }), checkEveryMs: 100 });
  t.teardown(async () => {
    schedule.stop();
    await queue.close();
    connection.disconnect();
  });
  await schedule.start();
  await connection.flushall();
  let found;
  for (let i = 0; i < 60 && !found; i++) {
    await sleep(50);
    found = await queue.getJobScheduler(RESYNC_SCHEDULER_ID);
  }
  t.ok(found, 'recreated after a flush');
});
