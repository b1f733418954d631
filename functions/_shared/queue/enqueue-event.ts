// Event jobs: one per host pod, carrying names only. The host watch stashes each host event in Redis and marks
// it pending for its pod (host-pod-state.ts); the pod's job, deduplicated by the pod and held back a moment
// (EVENT_BATCH_MS), tells every pending event of the pod at once, so a pod's start (Scheduled, Pulling,
// Pulled, Created, Started) costs one job rather than five. While the job waits, more events of the pod are
// absorbed (they are in the pending hash it reads); while it runs, one follow-up is kept.
import type { Queue } from 'bullmq';
import { isDns1123Subdomain } from '../core/names.js';

/** How long a pod's event job waits for the rest of a burst of its events. */
export const EVENT_BATCH_MS = 500;

export interface EventJobData {
  cluster: string;
  /** The host pod the events are about (involvedObject.name). */
  hostPod: string;
  /** One host event's name: jobs queued before events were told per pod carry it (it is told with the rest). */
  hostEvent?: string;
}

export function eventJob(data: EventJobData) {
  const clean: EventJobData = { cluster: data.cluster, hostPod: data.hostPod };
  return { name: `event ${data.cluster}/${data.hostPod}`, data: clean, opts: { delay: EVENT_BATCH_MS, deduplication: { id: `${data.cluster}/PodEvents/${data.hostPod}`, keepLastIfActive: true } } };
}

export async function enqueueEvent(queue: Queue, data: EventJobData): Promise<void> {
  const { name, data: clean, opts } = eventJob(data);
  await queue.add(name, clean, opts);
}

/** One job per pod among `jobs` (one round trip). */
export async function enqueueEventBulk(queue: Queue, jobs: readonly EventJobData[]): Promise<void> {
  const byPod = new Map(jobs.map((d) => [`${d.cluster}/${d.hostPod}`, d]));
  if (byPod.size > 0) await queue.addBulk([...byPod.values()].map((d) => eventJob(d)));
}

export function parseEventJobData(data: unknown): EventJobData {
  const d = (data ?? {}) as Partial<Record<keyof EventJobData, unknown>>;
  for (const key of ['cluster', 'hostPod'] as const) {
    const v = d[key];
    if (typeof v !== 'string' || !isDns1123Subdomain(v)) throw new Error(`event job data.${key} must be a DNS-1123 subdomain, got ${JSON.stringify(v)}`);
  }
  if (d.hostEvent !== undefined && (typeof d.hostEvent !== 'string' || !isDns1123Subdomain(d.hostEvent))) {
    throw new Error(`event job data.hostEvent must be a DNS-1123 subdomain, got ${JSON.stringify(d.hostEvent)}`);
  }
  return { cluster: d.cluster as string, hostPod: d.hostPod as string, ...(typeof d.hostEvent === 'string' ? { hostEvent: d.hostEvent } : {}) };
}
