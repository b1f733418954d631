import type { V1Pod } from '@kubernetes/client-node';

// The virtual pod as a worker last wrote it (a status or metadata patch returns the whole pod) or read it,
// kept in Redis for a while so that a status look plans from it instead of a virtual GET: what an informer
// cache gives vCluster, for workers that keep nothing themselves (docs/adr/0013-seen-virtual-pod.md).
//
// It is a hint, never the truth. Every write planned from it is conditional on its resourceVersion, so a
// stale one costs a 409, after which it is forgotten and the look reads the virtual API. And only the plans
// a stale copy cannot make wrong are taken from it: nothing to do, or a status report (preconditioned).
// Any other plan (hand to sync, stop following, a refusal) is made again from the API's answer.

/** Long enough to cover a pod's start (its status reports), short enough that idle pods cost no memory. */
export const SEEN_VIRTUAL_POD_TTL_MS = 10 * 60_000;

/** As stored: compact JSON without managedFields (Dates become RFC 3339 strings, as on the wire). */
export function encodeSeenVirtualPod(pod: V1Pod): string {
  const { managedFields: _dropped, ...metadata } = pod.metadata ?? {};
  return JSON.stringify({ ...pod, metadata });
}

export function decodeSeenVirtualPod(text: string): V1Pod | undefined {
  try {
    const pod = JSON.parse(text) as V1Pod;
    return pod?.metadata?.name && pod.metadata.resourceVersion ? pod : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a status look may act on a plan made from the seen virtual pod, without reading the virtual API. */
export function trustedFromSeenVirtual(plan: { type: string; reason?: string }): boolean {
  if (plan.type === 'report-status') return true;
  return plan.type === 'nothing' && (plan.reason === 'in-sync' || plan.reason === 'waiting-for-host-delete');
}
