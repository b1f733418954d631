import type { V1Pod } from '@kubernetes/client-node';

// The virtual pod as a worker last wrote it (a status or metadata patch returns the whole pod) or read it,
// kept in Redis for a while so that a status look plans from it instead of a virtual GET: what an informer
// cache gives vCluster, for workers that keep nothing themselves (docs/adr/0013-seen-virtual-pod.md).
//
// It is a hint, never the truth. Only a plan whose write is conditional on the copy's resourceVersion is
// taken from it: a status report. If the copy is stale (the user changed the pod: a label, an image,
// `kubectl debug`'s ephemeral container), that write fails with a 409, the copy is forgotten and the look
// reads the virtual API. Every other plan is made again from the API's answer: a stale copy can make a
// report look unneeded (its spec lacks what the user added). The one exception is "in sync" with a host state
// the copy is known to reflect already (trustedFromSeenVirtual).

/** Long enough to cover a pod's start (its status reports), short enough that idle pods cost no memory. */
export const SEEN_VIRTUAL_POD_TTL_MS = 10 * 60_000;

/**
 * A remembered virtual pod, and the host pod's resourceVersion it is known to be in sync with: the host state
 * its status was reported from (the reply to that patch), or the one it was found in sync with when read.
 */
export interface SeenVirtualPod {
  pod: V1Pod;
  inSyncWithHost?: string;
}

/** Where the host resourceVersion rides in the stored JSON, beside the pod's own fields. */
const IN_SYNC_WITH_HOST = 'podferryInSyncWithHost';

/** As stored: compact JSON without managedFields (Dates become RFC 3339 strings, as on the wire). */
export function encodeSeenVirtualPod(pod: V1Pod, inSyncWithHost?: string): string {
  const { managedFields: _dropped, ...metadata } = pod.metadata ?? {};
  return JSON.stringify({ ...pod, metadata, ...(inSyncWithHost ? { [IN_SYNC_WITH_HOST]: inSyncWithHost } : {}) });
}

export function decodeSeenVirtualPod(text: string): SeenVirtualPod | undefined {
  try {
    const { [IN_SYNC_WITH_HOST]: inSyncWithHost, ...pod } = JSON.parse(text) as V1Pod & { [IN_SYNC_WITH_HOST]?: unknown };
    if (!pod?.metadata?.name || !pod.metadata.resourceVersion) return undefined;
    return { pod, ...(typeof inSyncWithHost === 'string' ? { inSyncWithHost } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a status look may act on a plan made from the seen virtual pod, without reading the virtual API:
 * - a report: its write is conditional on the copy, so a stale copy costs a 409;
 * - "in sync", when the copy is known to be in sync with this very host state. Nothing moved on the host
 *   since, and the user's own changes arrive as sync jobs, which read the virtual API; this is the rule by
 *   which a poll skips an unchanged host pod, kept across jobs. `kubectl debug` is still seen: the ephemeral
 *   container it adds changes the host pod, and a new host state is never in sync with an old copy.
 */
export function trustedFromSeenVirtual(plan: { type: string; reason?: string }, hostResourceVersion?: string, seen?: Pick<SeenVirtualPod, 'inSyncWithHost'>): boolean {
  if (plan.type === 'report-status') return true;
  return plan.type === 'nothing' && plan.reason === 'in-sync' && hostResourceVersion !== undefined && seen?.inSyncWithHost === hostResourceVersion;
}
