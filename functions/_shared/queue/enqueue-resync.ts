// One resync asked for now, deduplicated per cluster: many workers starting at once, or a host watch that
// starts from an empty state, still ask for one run.
import type { Queue } from 'bullmq';

export function resyncNowJob(cluster: string) {
  return { name: `resync ${cluster}`, data: { cluster }, opts: { deduplication: { id: `resync-start-${cluster}` } } };
}

export async function enqueueResyncNow(queue: Queue, cluster: string): Promise<void> {
  const { name, data, opts } = resyncNowJob(cluster);
  await queue.add(name, data, opts);
}
