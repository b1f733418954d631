// Token renewal jobs: one per pod, on the sync queue (kind ServiceAccountToken, dispatched by run-workers),
// delayed until the pod's tokens are due. The job carries the pod's reference only, never a token.
// Deduplicated like every sync job; `reschedule` moves a waiting renewal to the newest time asked for (the
// secret just written decides), and a renewal asked for while one runs follows it with its own delay.
import type { Queue } from 'bullmq';
import { jobTitle, refKey, type ObjectRef } from '../core/job-refs.js';

export type TokenRefreshRef = Omit<ObjectRef, 'kind'> & { kind: 'ServiceAccountToken' };

export function tokenRefreshRef(cluster: string, pod: { namespace: string; name: string; uid?: string }): TokenRefreshRef {
  return { cluster, kind: 'ServiceAccountToken', namespace: pod.namespace, name: pod.name, ...(pod.uid ? { uid: pod.uid } : {}) };
}

function tokenRefreshJob(ref: TokenRefreshRef, delayMs: number, reschedule: boolean) {
  const data: ObjectRef = { cluster: ref.cluster, kind: ref.kind, namespace: ref.namespace, name: ref.name, ...(ref.uid ? { uid: ref.uid } : {}) };
  const deduplication = { id: refKey(data), keepLastIfActive: true, ...(reschedule ? { reschedule: true } : {}) };
  return { name: jobTitle('token', data), data, opts: { deduplication, ...(delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}) } };
}

/** Renew (or look at) the pod's tokens at `at`: a pending renewal is moved there. */
export async function enqueueTokenRefresh(queue: Queue, ref: TokenRefreshRef, at: Date, now: Date): Promise<void> {
  const { name, data, opts } = tokenRefreshJob(ref, at.getTime() - now.getTime(), true);
  await queue.add(name, data, opts);
}

/** Renewals now, for token secrets found overdue (resync); a renewal already pending absorbs its ask. */
export async function enqueueTokenRefreshBulk(queue: Queue, refs: readonly TokenRefreshRef[]): Promise<void> {
  if (refs.length > 0) await queue.addBulk(refs.map((ref) => tokenRefreshJob(ref, 0, false)));
}
