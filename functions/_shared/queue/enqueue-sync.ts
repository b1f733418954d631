// "One pending job per object, and no change lost while a job runs", built on BullMQ deduplication.
//
// A custom job id per object would be wrong: an id blocks re-adds while the job is active (and while a
// finished job is retained), so an event arriving mid-run would be swallowed although the run may already
// have read the old state. Deduplication with keepLastIfActive instead:
// - while the object's job waits (or sits in backoff), further events are absorbed: it has not read yet;
// - while it is active, the newest event is stored, and BullMQ creates exactly one follow-up job when the
//   active one finishes (complete or fail), so the object is read again after the change.
import type { Job, Queue } from 'bullmq';
import { jobTitle, refKey, type ObjectRef } from '../core/job-refs.js';
import type { SyncReason } from './names.js';

/**
 * What a sync job carries: the reference fields at the top level (what core's parseObjectRef reads) and
 * why it was asked for; never a spec, so Redis and the dashboard hold nothing sensitive.
 */
export type SyncJobData = ObjectRef & { reason: SyncReason };

/**
 * Keyed by name, not uid: admission, audit and resync know the uid at different times, and the worker
 * reads the object by name anyway, so a delete-and-recreate is covered by the same run.
 */
export function syncDedupId(ref: ObjectRef): string {
  return refKey({ cluster: ref.cluster, kind: ref.kind, namespace: ref.namespace, name: ref.name });
}

/** Copies only reference fields, so a caller's richer object can never leak a spec into Redis. */
export function syncJobData(ref: ObjectRef, reason: SyncReason): SyncJobData {
  const data: SyncJobData = { cluster: ref.cluster, kind: ref.kind, namespace: ref.namespace, name: ref.name, reason };
  if (ref.uid) data.uid = ref.uid;
  return data;
}

function syncJob(ref: ObjectRef, reason: SyncReason) {
  const data = syncJobData(ref, reason);
  return {
    name: jobTitle('sync', ref),
    data,
    opts: { deduplication: { id: syncDedupId(ref), keepLastIfActive: true } },
  };
}

/**
 * Asks for one sync of `ref`. Resolves to the id of the job that will cover this event: a new job, the
 * waiting job that absorbed it, or the active job after which a follow-up run is guaranteed.
 */
export async function enqueueSync(queue: Queue, ref: ObjectRef, reason: SyncReason): Promise<string> {
  const { name, data, opts } = syncJob(ref, reason);
  const job: Job = await queue.add(name, data, opts);
  return job.id ?? '';
}

/**
 * Many refs in one atomic round trip (addBulk is all-or-nothing). Refs sharing a dedup id are collapsed
 * first, keeping the newest uid seen (a patch event often has none, the create before it does).
 */
export async function enqueueSyncBulk(queue: Queue, refs: readonly ObjectRef[], reason: SyncReason): Promise<string[]> {
  const byKey = new Map<string, ObjectRef>();
  for (const ref of refs) {
    const key = syncDedupId(ref);
    const uid = ref.uid ?? byKey.get(key)?.uid;
    byKey.delete(key);
    byKey.set(key, uid ? { ...ref, uid } : ref);
  }
  if (byKey.size === 0) return [];
  const jobs = await queue.addBulk([...byKey.values()].map((ref) => syncJob(ref, reason)));
  return jobs.map((j) => j.id ?? '');
}
