// Redis memory per queued job: used_memory before and after enqueuing a known number of sync jobs, made by
// the project's own enqueueSync (same name, data, dedup key and options as admission's), on a queue no
// worker reads so every job stays waiting. The queue is removed afterwards.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS } from '../functions/_shared/queue/job-options.js';
import { enqueueSync } from '../functions/_shared/queue/enqueue-sync.js';

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

export async function redisBytesPerJob(redisUrl: string, prefix: string, jobs = 2000): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('bench-memory', { connection: redis, prefix, defaultJobOptions: { ...DEFAULT_JOB_OPTIONS } });
  try {
    await queue.waitUntilReady();
    // One job first, so the queue's own keys (meta, events stream) are not charged to the measured jobs.
    await enqueueSync(queue, { cluster: 'demo', kind: 'Pod', namespace: 'default', name: 'warm-up' }, 'admission');
    const before = await usedMemory(redis);
    for (let i = 0; i < jobs; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, jobs - i) }, (_, k) =>
        enqueueSync(queue, { cluster: 'demo', kind: 'Pod', namespace: 'default', name: `memory-${i + k}`, uid: crypto.randomUUID() }, 'admission')));
    }
    const after = await usedMemory(redis);
    return (after - before) / jobs;
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    redis.disconnect();
  }
}

/**
 * Redis memory the host watch holds per host pod it knows: MEMORY USAGE (every element counted) of its
 * snapshot, index and applied-mark hashes, divided by the pods in the index; and the mean snapshot JSON size.
 */
export async function hostWatchBytesPerPod(redisUrl: string, keys: { pods: string; index: string; applied: string; event(name: string): string }): Promise<{ pods: number; bytes_per_pod: number; snapshot_json_bytes: number; stashed_events: number; bytes_per_stashed_event: number }> {
  const redis = new Redis(redisUrl);
  try {
    const pods = await redis.hlen(keys.index);
    let bytes = 0;
    for (const key of [keys.pods, keys.index, keys.applied]) bytes += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    const snapshots = await redis.hvals(keys.pods);
    const json = snapshots.reduce((n, s) => n + Buffer.byteLength(s), 0);
    // Stashed host events (each its own key with a TTL): counted, and a sample of them measured.
    const eventKeys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', keys.event('*'), 'COUNT', 1000);
      cursor = next;
      eventKeys.push(...found);
    } while (cursor !== '0');
    let eventBytes = 0;
    const sample = eventKeys.slice(0, 500);
    for (const key of sample) eventBytes += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    return {
      pods, bytes_per_pod: pods ? Math.round(bytes / pods) : Number.NaN, snapshot_json_bytes: snapshots.length ? Math.round(json / snapshots.length) : Number.NaN,
      stashed_events: eventKeys.length, bytes_per_stashed_event: sample.length ? Math.round(eventBytes / sample.length) : Number.NaN,
    };
  } finally {
    redis.disconnect();
  }
}
