import type { V1Pod } from '@kubernetes/client-node';

// The virtual pod as a worker last wrote it (a status or metadata patch returns the whole pod) or read it,
// kept in Redis for a while so that a status look plans from it instead of a virtual GET: what an informer
// cache gives vCluster, for workers that keep nothing themselves (docs/adr/0013-seen-virtual-pod.md).
//
// It is a hint, never the truth. Only a plan whose write is conditional on the copy's resourceVersion is
// taken from it: a status report. If the copy is stale (the user changed the pod: a label, an image,
// `kubectl debug`'s ephemeral container), that write fails with a 409, the copy is forgotten and the look
// reads the virtual API. Every other plan, "nothing to do" included, is made again from the API's answer:
// a stale copy can make a report look unneeded (its spec lacks what the user added).

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
  return plan.type === 'report-status';
}
