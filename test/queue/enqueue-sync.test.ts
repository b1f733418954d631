import t, { type Test } from 'tap';
import { Queue, Worker, type Job } from 'bullmq';
import { createRedisConnection } from '../../functions/_shared/queue/connection.js';
import { enqueueSync, enqueueSyncBulk, syncDedupId, type SyncJobData } from '../../functions/_shared/queue/enqueue-sync.js';
import { createSyncQueue } from '../../functions/_shared/queue/producer.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { DEFAULT_JOB_OPTIONS } from '../../functions/_shared/queue/job-options.js';
import { parseObjectRef, type ObjectRef } from '../../functions/_shared/core/job-refs.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

const pod = (name: string, uid?: string): ObjectRef => ({ cluster: 'vc1', kind: 'Pod', namespace: 'default', name, ...(uid ? { uid } : {}) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freshQueue(t: Test) {
  const conn = createRedisConnection(redis.url, 'producer');
  const prefix = uniquePrefix('q');
  const queue = createSyncQueue(conn, prefix);
  await queue.waitUntilReady();
  t.teardown(async () => {
    await queue.close();
    conn.disconnect();
  });
  return { queue, prefix };
}

function startWorker(t: Test, prefix: string, processor: (job: Job<SyncJobData>) => Promise<void>, concurrency = 1) {
  const conn = createRedisConnection(redis.url, 'worker');
  const worker = new Worker<SyncJobData>(QUEUE_NAMES.sync, processor, { connection: conn, prefix, concurrency, drainDelay: 1 });
  worker.on('error', () => {});
  t.teardown(async () => {
    await worker.close();
    conn.disconnect();
  });
  return worker;
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 8000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out: ${what}`);
}

const idle = async (queue: Queue) => {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return c.waiting + c.active + c.delayed + c.prioritized === 0;
};

t.test('when many events for one pod arrive while its job waits, then exactly one job is pending and it holds only the reference', async (t) => {
  const { queue } = await freshQueue(t);
  const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => enqueueSync(queue, pod('web', 'uid-1'), i % 2 ? 'audit' : 'admission')));
  t.equal(new Set(ids).size, 1, 'every add resolved to the same pending job');
  const waiting = await queue.getJobs(['waiting']);
  t.equal(waiting.length, 1);
  const job = waiting[0];
  t.equal(job.id, ids[0]);
  t.equal(job.name, 'sync vc1/default/web');
  t.same(Object.keys(job.data).sort(), ['cluster', 'kind', 'name', 'namespace', 'reason', 'uid']);
  t.same(parseObjectRef(job.data), pod('web', 'uid-1'), 'the worker-side parser accepts the job data');
  t.equal(job.opts.attempts, DEFAULT_JOB_OPTIONS.attempts, 'default job options applied');
  t.equal(await queue.getDeduplicationJobId(syncDedupId(pod('web'))), job.id);
});

t.test('when a caller passes a richer object, then only reference fields reach Redis', async (t) => {
  const { queue } = await freshQueue(t);
  const leaky = { ...pod('db', 'u2'), spec: { containers: [{ env: [{ name: 'PASSWORD', value: 'hunter2' }] }] } } as ObjectRef;
  const id = await enqueueSync(queue, leaky, 'admission');
  const job = await queue.getJob(id);
  t.notOk(JSON.stringify(job?.data).includes('hunter2'));
  t.notOk('spec' in (job?.data ?? {}));
});

t.test('when different pods are enqueued, then each gets its own job; uid does not split a pod', async (t) => {
  const { queue } = await freshQueue(t);
  await enqueueSync(queue, pod('a'), 'admission');
  await enqueueSync(queue, pod('a', 'uid-a'), 'audit');
  await enqueueSync(queue, pod('b'), 'audit');
  await enqueueSync(queue, { ...pod('a'), namespace: 'other' }, 'audit');
  t.equal(await queue.getWaitingCount(), 3);
});

t.test('when a bulk holds duplicates, then one job per pod is added with the last reference', async (t) => {
  const { queue } = await freshQueue(t);
  const ids = await enqueueSyncBulk(queue, [pod('x', 'old'), pod('y', 'uid-y'), pod('x', 'new'), pod('y')], 'audit');
  t.equal(ids.length, 2);
  const jobs = await queue.getJobs(['waiting']);
  t.equal(jobs.length, 2);
  t.equal(jobs.find((j) => j.data.name === 'x')?.data.uid, 'new', 'the newest uid wins');
  t.equal(jobs.find((j) => j.data.name === 'y')?.data.uid, 'uid-y', 'a later event without uid keeps the known one');
  t.same(await enqueueSyncBulk(queue, [], 'audit'), [], 'an empty bulk touches nothing');
});

t.test('when an event arrives while the pod\'s job is active, then exactly one more run follows with the latest data', async (t) => {
  const { queue, prefix } = await freshQueue(t);
  const runs: SyncJobData[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let active = false;
  startWorker(t, prefix, async (job) => {
    runs.push(job.data);
    if (runs.length === 1) {
      active = true;
      await gate;
    }
  }, 4);
  await enqueueSync(queue, pod('web', 'u0'), 'admission');
  await until(() => active, 'first run active');
  // A job id per object would swallow these; deduplication must keep the last one for after the run.
  for (let i = 1; i <= 5; i++) await enqueueSync(queue, pod('web', `u${i}`), 'audit');
  t.equal(await queue.getActiveCount(), 1, 'still only the first run is active: no parallel run per pod');
  t.equal(await queue.getWaitingCount(), 0, 'the follow-up is held until the active run ends');
  release();
  await until(async () => runs.length >= 2 && (await idle(queue)), 'follow-up run');
  await sleep(150);
  t.equal(runs.length, 2, 'one follow-up run, not five');
  t.equal(runs[1].uid, 'u5', 'the follow-up carries the latest event');
});

t.test('when events for a few pods keep arriving during runs, then runs never overlap per pod and each pod runs after its last event', async (t) => {
  const { queue, prefix } = await freshQueue(t);
  const names = ['p1', 'p2', 'p3'];
  const running = new Map<string, number>();
  const lastStart = new Map<string, number>();
  let overlaps = 0;
  startWorker(t, prefix, async (job) => {
    const n = job.data.name;
    if ((running.get(n) ?? 0) > 0) overlaps++;
    running.set(n, (running.get(n) ?? 0) + 1);
    lastStart.set(n, Date.now());
    await sleep(5 + Math.random() * 15);
    running.set(n, (running.get(n) ?? 0) - 1);
  }, 10);
  const lastEvent = new Map<string, number>();
  await Promise.all(names.map(async (n) => {
    for (let i = 0; i < 40; i++) {
      lastEvent.set(n, Date.now());
      await enqueueSync(queue, pod(n, `uid-${i}`), 'audit');
      await sleep(Math.random() * 8);
    }
  }));
  await until(() => idle(queue), 'queue drained');
  t.equal(overlaps, 0, 'no two runs of one pod at the same time');
  for (const n of names) t.ok((lastStart.get(n) ?? 0) >= (lastEvent.get(n) ?? Infinity), `${n} was read after its last event`);
});
