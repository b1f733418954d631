// A status look that defers a start-up report moves its job to the delayed set (processors/status.ts). A host
// change the watch sends while that job is active is kept by BullMQ for after the job finishes, and a
// delayed job has not finished, so it would sleep until its window ends. wakeIfHostMoved closes that gap.
// Real Redis and BullMQ; the host watch's state is given as the snapshot the look finds.
import t, { type Test } from 'tap';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { V1Pod } from '@kubernetes/client-node';
import { createRedisConnection } from '../../functions/_shared/queue/connection.js';
import { enqueueStatus, enqueueStatusNow, type StatusJobData } from '../../functions/_shared/queue/enqueue-status.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { encodeSnapshot } from '../../functions/_shared/core/host-pod-snapshot.js';
import { wakeIfHostMoved } from '../../functions/worker/processors/status.js';
import type { WorkerDeps } from '../../functions/worker/worker-deps.js';
import type { ObjectRef } from '../../functions/_shared/core/job-refs.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

const ref: ObjectRef = { cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'web' };
const hostPod = (resourceVersion: string): V1Pod => ({ metadata: { name: 'web-x-default-x-vc1', resourceVersion }, status: { phase: 'Pending' } });

/**
 * One status job whose first run defers for a minute, after the watch sent a change while it was active. The
 * snapshot the job finds once delayed is `after`; `wake` says whether it calls wakeIfHostMoved at all.
 * Resolves to how many times the job ran within `waitMs`.
 */
async function deferOnce(t: Test, after: { healthy: boolean; rv?: string }, wake: boolean, waitMs = 3000): Promise<number> {
  const conn = createRedisConnection(redis.url, 'worker');
  const prefix = uniquePrefix('status');
  const queue = new Queue(QUEUE_NAMES.status, { connection: conn, prefix });
  const workerConn = createRedisConnection(redis.url, 'worker');
  let runs = 0;
  const deps = {
    cluster: 'vc1',
    queues: { status: queue },
    now: () => new Date(),
    hostState: { read: async () => ({ healthy: after.healthy, ...(after.rv ? { snapshot: encodeSnapshot(hostPod(after.rv)) } : {}) }) },
  } as unknown as WorkerDeps;
  const worker = new Worker(QUEUE_NAMES.status, async (job: Job<StatusJobData>, token?: string) => {
    runs++;
    if (runs > 1) return 'looked again';
    // The look saw host resourceVersion 1, starting up; the watch's next change arrives while the job is active.
    await enqueueStatusNow(queue, ref, new Date());
    await job.moveToDelayed(Date.now() + 60_000, token);
    if (wake) await wakeIfHostMoved(job.data, '1', deps);
    throw new DelayedError();
  }, { connection: workerConn, prefix, drainDelay: 1 });
  worker.on('error', () => {});
  t.teardown(async () => {
    await worker.close();
    await queue.close();
    conn.disconnect();
    workerConn.disconnect();
  });
  await enqueueStatus(queue, ref, new Date());
  await new Promise((r) => setTimeout(r, waitMs));
  return runs;
}

t.test('when the watch sends a change while a deferring look is active, then BullMQ alone leaves the job delayed for its whole window', async (t) => {
  t.equal(await deferOnce(t, { healthy: true, rv: '2' }, false), 1, 'the change was kept for after the job, which has not finished');
});

t.test('when the host pod moved while the look ran, then the delayed job wakes itself and looks again', async (t) => {
  // Its second run finishes it, and then the change BullMQ kept for after it runs too: level-triggered, harmless.
  t.equal(await deferOnce(t, { healthy: true, rv: '2' }, true), 3, 'woken, then the kept change');
});

t.test('when the watch stopped being healthy meanwhile, then the job wakes to poll', async (t) => {
  t.equal(await deferOnce(t, { healthy: false }, true), 3, 'woken, then the kept change');
});

t.test('when nothing moved, then the job sleeps until the window ends or the next change', async (t) => {
  t.equal(await deferOnce(t, { healthy: true, rv: '1' }, true), 1);
});
