// Job counts in the stack's Redis, read with a fail-fast connection: the progress lines while a chaos run
// waits to converge (what is the system still doing?) and the jobs a Redis restart is about to lose.
import { Queue } from 'bullmq';
import { createRedisConnection } from '../functions/_shared/queue/connection.js';
import { QUEUE_NAMES } from '../functions/_shared/queue/names.js';

/** What a job in these states still owes; delayed jobs include follow-ups and repeats that never run out. */
export type JobState = 'waiting' | 'active' | 'delayed' | 'prioritized';

export interface QueueCounter {
  counts(): Promise<string>;
  /** Jobs in `states` across podferry's queues, or -1 when Redis does not answer. */
  unfinished(states?: readonly JobState[]): Promise<number>;
  close(): void;
}

export function queueCounter(redisUrl: string, prefix: string): QueueCounter {
  const connection = createRedisConnection(redisUrl, 'producer');
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix }));
  for (const q of queues) q.on('error', () => {});
  return {
    async counts() {
      try {
        const all = await Promise.all(queues.map(async (q) => `${q.name}=${JSON.stringify(await q.getJobCounts('waiting', 'active', 'delayed', 'failed'))}`));
        return all.join(' ');
      } catch (err) {
        return `unavailable (${(err as Error).message})`;
      }
    },
    async unfinished(states = ['waiting', 'active', 'delayed', 'prioritized']) {
      try {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts(...states)));
        return counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
      } catch {
        return -1;
      }
    },
    close() {
      for (const q of queues) void q.close().catch(() => {});
      connection.disconnect();
    },
  };
}
