// A job's story written at its end in one command: the lines stay separate log entries in BullMQ's own
// list (what bull-board shows), in the order noted, with the last progress; a job that is gone gets nothing.
import t from 'tap';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createJobLogWriter, jobNotes } from '../../functions/_shared/queue/job-log.js';
import { countedConnection, startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

let redis: RedisHandle;
let client: Redis;
t.before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
});
t.teardown(async () => {
  client?.disconnect();
  await redis?.stop();
});

// Server-wide, so only where no worker runs beside the measured call.
const commandCount = async () => Number(/total_commands_processed:(\d+)/.exec(await client.info('stats'))?.[1]);

t.test('when a job notes steps, then its log holds them in order, written in one command, with the last progress', async (t) => {
  const prefix = uniquePrefix('story');
  const queue = new Queue('sync', { connection: client, prefix });
  t.teardown(() => queue.close());
  const { connection, sent } = countedConnection(t, redis.url);
  const writer = createJobLogWriter(connection);
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const now = () => new Date(clock++);
  const seen = new Promise<{ commands: string[]; job: Job }>((resolve, reject) => {
    const worker = new Worker('sync', async (job) => {
      const story = jobNotes(job, now, writer);
      await story.note('translated', 30);
      await story.note('created', 70);
      await story.note('followed by status', 100);
      sent.length = 0;
      await story.flush();
      resolve({ commands: [...sent], job });
      return 'ok';
    }, { connection: { url: redis.url }, prefix });
    worker.on('failed', (_j, err) => reject(err));
    t.teardown(() => worker.close());
  });
  const added = await queue.add('sync demo/default/web', { name: 'web' });
  const { commands } = await seen;
  t.same(await queue.getJobLogs(added.id!), {
    logs: ['2026-01-01T00:00:00.000Z translated', '2026-01-01T00:00:00.001Z created', '2026-01-01T00:00:00.002Z followed by status'],
    count: 3,
  });
  t.equal((await queue.getJob(added.id!))?.progress, 100, 'the bar at the last progress noted');
  t.same(commands, ['evalsha'], 'one script call for the whole story');
});

t.test('when the job is gone, then nothing is written for it', async (t) => {
  const prefix = uniquePrefix('story');
  const queue = new Queue('sync', { connection: client, prefix });
  t.teardown(() => queue.close());
  const job = await queue.add('sync demo/default/gone', { name: 'gone' });
  await job.remove();
  const story = jobNotes(job, () => new Date(), createJobLogWriter(client));
  await story.note('late');
  await story.flush();
  t.equal(await client.exists(`${prefix}:sync:${job.id}:logs`), 0, 'no orphan log list');
});

t.test('when a job writes a versioned value with its story, then it lands in the same command, never over a newer version, and even for a job that is gone', async (t) => {
  const prefix = uniquePrefix('story');
  const queue = new Queue('status', { connection: client, prefix });
  t.teardown(() => queue.close());
  const writer = createJobLogWriter(client);
  const key = `${prefix}:seen`;
  const job = await queue.add('status demo/default/web', { name: 'web' });
  const story = jobNotes(job, () => new Date(), writer);
  await story.note('reported');
  const before = await commandCount();
  await story.flush({ key, version: '12', value: '{"v":12}', ttlMs: 60_000 });
  // INFO itself is one command; then EVALSHA plus what the script runs: GET, SET, EXISTS, RPUSH.
  t.equal((await commandCount()) - before - 1, 5, 'one script call for the value and the story');
  t.equal(await client.get(key), '12\t{"v":12}');
  t.same((await queue.getJobLogs(job.id!)).count, 1, 'and the story');
  await jobNotes(job, () => new Date(), writer).flush({ key, version: '11', value: '{"v":11}', ttlMs: 60_000 });
  t.equal(await client.get(key), '12\t{"v":12}', 'an older version does not replace a newer one');
  await job.remove();
  await jobNotes(job, () => new Date(), writer).flush({ key, version: '13', value: '{"v":13}', ttlMs: 60_000 });
  t.equal(await client.get(key), '13\t{"v":13}', 'the value is not the job\'s: written though the job is gone');
});
