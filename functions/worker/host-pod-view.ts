// The host pod as a job sees it, from the host watch's state in Redis while the watch is healthy (no host
// API call), else from the host API as before the watch existed (docs/adr/0010-trust-the-watch.md).
// - status: the snapshot when there is one. A pod the healthy watch does not know is not read either: the
//   watch sends a job when it sees the pod appear (ADDED) and a sync when it sees it go (DELETED), so the
//   look ends there; the plan never reports status from an absence.
// - sync: plans from the watch's state too, but acts on such a plan only where a stale state cannot make it
//   write wrongly. The watch's word that no host pod exists is trusted for a create: a create over a pod the
//   watch has not seen yet is refused with 409 by the host API, and sync then reads the host pod from the
//   API and converges. A snapshot is trusted when it says nothing is to be done or only the virtual status is
//   to be reported (the report is ordered and preconditioned as every report is). Any other plan (converge,
//   delete, reflect a vanished pod, finalize, recreate) is made again from the host API's answer before
//   anything is written.
import type { V1Pod } from '@kubernetes/client-node';
import { decodeSnapshot } from '../_shared/core/host-pod-snapshot.js';
import { readPod } from '../_shared/kube/pods.js';
import type { WorkerDeps } from './worker-deps.js';

export interface HostPodView {
  pod?: V1Pod;
  /** From the snapshot: the pod has no spec, and the next change arrives as a job from the watch. */
  fromSnapshot: boolean;
  /** The watch is healthy: its events bring the next change, no poll is needed. */
  watched: boolean;
  /**
   * The virtual pod as a worker last wrote or read it, read in the same command, still encoded: decoded
   * (core/seen-virtual-pod.ts) only by a look that plans from it.
   */
  seenVirtual?: string;
}

export async function viewHostPod(deps: WorkerDeps, hostName: string): Promise<HostPodView> {
  const state: { healthy: boolean; snapshot?: string; seenVirtual?: string } = deps.hostState ? await deps.hostState.read(hostName) : { healthy: false };
  const seen = state.seenVirtual ? { seenVirtual: state.seenVirtual } : {};
  if (state.healthy && state.snapshot) return { pod: decodeSnapshot(state.snapshot), fromSnapshot: true, watched: true, ...seen };
  // Not known to a healthy watch: not there yet (its ADDED brings a job) or gone (its DELETED brought a sync).
  if (state.healthy) return { fromSnapshot: true, watched: true, ...seen };
  return { pod: await readPod(deps.host, deps.hostNamespace, hostName), fromSnapshot: false, watched: false, ...seen };
}

export interface SyncHostView {
  pod?: V1Pod;
  /** No host pod, by the healthy watch's word (not asked of the host API): good for a create only. */
  absentPerWatch: boolean;
  /** The pod is the healthy watch's snapshot (not asked of the host API): good for no write or a report only. */
  fromSnapshot: boolean;
  /** The watch was healthy when read: it reports the host pod's changes, so no status poll is needed. */
  watched: boolean;
}

/** The host pod for sync. `trustWatch` false (a round after a 409): the host API, whatever the watch says. */
export async function viewHostPodForSync(deps: WorkerDeps, hostName: string, trustWatch: boolean): Promise<SyncHostView> {
  const state = deps.hostState ? await deps.hostState.read(hostName) : { healthy: false };
  if (trustWatch && state.healthy) {
    if (!state.snapshot) return { absentPerWatch: true, fromSnapshot: false, watched: true };
    return { pod: decodeSnapshot(state.snapshot), absentPerWatch: false, fromSnapshot: true, watched: true };
  }
  return { pod: await readPod(deps.host, deps.hostNamespace, hostName), absentPerWatch: false, fromSnapshot: false, watched: state.healthy };
}

/** Plans a stale view cannot make wrong: from an absence a create (409s), from a snapshot no write or a report. */
const TRUSTED_FROM_ABSENCE: ReadonlySet<string> = new Set(['create-host']);
const TRUSTED_FROM_SNAPSHOT: ReadonlySet<string> = new Set(['nothing', 'report-status']);

/**
 * Plans from the view; a plan the watch's state alone may not justify is made again from the host API's
 * answer (the watch may be behind: a host pod it has not seen yet must never be taken for one that
 * vanished, nor an older state of it for the current one).
 */
export async function planFromHostView<P extends { type: string }>(deps: WorkerDeps, hostName: string, view: SyncHostView, plan: (hostPod: V1Pod | undefined) => P): Promise<{ hostPod?: V1Pod; plan: P; view: SyncHostView }> {
  const first = plan(view.pod);
  const trusted = view.absentPerWatch ? TRUSTED_FROM_ABSENCE : view.fromSnapshot ? TRUSTED_FROM_SNAPSHOT : undefined;
  if (!trusted || trusted.has(first.type)) return { hostPod: view.pod, plan: first, view };
  const pod = await readPod(deps.host, deps.hostNamespace, hostName);
  const read: SyncHostView = { ...(pod ? { pod } : {}), absentPerWatch: false, fromSnapshot: false, watched: view.watched };
  return { hostPod: pod, plan: plan(pod), view: read };
}
