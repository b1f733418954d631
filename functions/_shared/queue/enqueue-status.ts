// Status tracking jobs: one tracker per virtual pod. While a tracker waits for its next poll, a new request
// is absorbed (the tracker will read the current state anyway); while it runs, one follow-up is kept.
import type { Queue } from 'bullmq';
import { jobTitle, refKey, type ObjectRef } from '../core/job-refs.js';

export interface StatusJobData {
  ref: ObjectRef;
  /** When tracking began (ms since epoch), to give up on pods that never settle (resync takes over). */
  startedAt: number;
  /** Polls done so far: the next delay grows with it. */
  polls: number;
  /** The host pod's resourceVersion at the last poll. */
  hostResourceVersion?: string;
}

function statusJob(ref: ObjectRef, now: Date) {
  const data: StatusJobData = { ref: { cluster: ref.cluster, kind: ref.kind, namespace: ref.namespace, name: ref.name }, startedAt: now.getTime(), polls: 0 };
  return { name: jobTitle('status', ref), data, opts: { deduplication: { id: refKey(data.ref), keepLastIfActive: true } } };
}

export async function enqueueStatus(queue: Queue, ref: ObjectRef, now: Date, delayMs = 0): Promise<void> {
  const { name, data, opts } = statusJob(ref, now);
  await queue.add(name, data, delayMs > 0 ? { ...opts, delay: delayMs } : opts);
}

/**
 * A look now, from the host watch: like enqueueStatus, and a tracker waiting for its next poll is moved to
 * now (BullMQ's reschedule, keeping its data) instead of absorbing the event until its delay ends.
 */
export async function enqueueStatusNow(queue: Queue, ref: ObjectRef, now: Date): Promise<void> {
  const { name, data, opts } = statusJob(ref, now);
  await queue.add(name, data, { deduplication: { ...opts.deduplication, reschedule: true } });
}

export async function enqueueStatusNowBulk(queue: Queue, refs: readonly ObjectRef[], now: Date): Promise<void> {
  if (refs.length === 0) return;
  await queue.addBulk(refs.map((ref) => {
    const { name, data, opts } = statusJob(ref, now);
    return { name, data, opts: { deduplication: { ...opts.deduplication, reschedule: true } } };
  }));
}

export async function enqueueStatusBulk(queue: Queue, refs: readonly ObjectRef[], now: Date): Promise<void> {
  if (refs.length > 0) await queue.addBulk(refs.map((ref) => statusJob(ref, now)));
}

export function parseStatusJobData(data: unknown): StatusJobData {
  const d = data as Partial<StatusJobData> | undefined;
  if (!d || typeof d !== 'object' || !d.ref) throw new Error('status job data must hold a ref');
  return {
    ref: d.ref,
    startedAt: Number(d.startedAt) || Date.now(),
    polls: Number(d.polls) || 0,
    ...(typeof d.hostResourceVersion === 'string' ? { hostResourceVersion: d.hostResourceVersion } : {}),
  };
}
