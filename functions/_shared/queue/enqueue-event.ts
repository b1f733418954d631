// Event jobs: one per host event, carrying names only (the worker reads the event itself). Deduplicated by
// the host event, so a host event updated many times while its job waits is copied once, in its last state.
import type { Queue } from 'bullmq';
import { isDns1123Subdomain } from '../core/names.js';

export interface EventJobData {
  cluster: string;
  /** The host event's name, in the host namespace. */
  hostEvent: string;
  /** The host pod it is about (involvedObject.name). */
  hostPod: string;
}

export function eventJob(data: EventJobData) {
  const clean: EventJobData = { cluster: data.cluster, hostEvent: data.hostEvent, hostPod: data.hostPod };
  return { name: `event ${data.cluster}/${data.hostPod}`, data: clean, opts: { deduplication: { id: `${data.cluster}/Event/${data.hostEvent}`, keepLastIfActive: true } } };
}

export async function enqueueEvent(queue: Queue, data: EventJobData): Promise<void> {
  const { name, data: clean, opts } = eventJob(data);
  await queue.add(name, clean, opts);
}

export async function enqueueEventBulk(queue: Queue, jobs: readonly EventJobData[]): Promise<void> {
  if (jobs.length > 0) await queue.addBulk(jobs.map((d) => eventJob(d)));
}

export function parseEventJobData(data: unknown): EventJobData {
  const d = (data ?? {}) as Partial<Record<keyof EventJobData, unknown>>;
  for (const key of ['cluster', 'hostEvent', 'hostPod'] as const) {
    const v = d[key];
    if (typeof v !== 'string' || !isDns1123Subdomain(v)) throw new Error(`event job data.${key} must be a DNS-1123 subdomain, got ${JSON.stringify(v)}`);
  }
  return { cluster: d.cluster as string, hostEvent: d.hostEvent as string, hostPod: d.hostPod as string };
}
