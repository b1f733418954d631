// A pod's start-up, reported once. While a host pod is on its way up (scheduled or not yet, sandbox and
// containers being created), the host watch sends a status look for each step, and each look would cost the
// virtual API a binding and a status patch for a state that lasts a few hundred milliseconds. A look that finds
// the pod in such a state waits instead, up to a short window from when its tracking began; the watch's next
// change wakes it at once (BullMQ's reschedule), so a pod that is Ready within the window is bound and
// reported Ready in one go, and one that is slower shows its start-up state when the window ends.
// Anything a user must see is never held back: an unschedulable pod, an image that cannot be pulled, a
// container that ran, ended or restarted, a deletion.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** Waiting reasons of a container that has not run yet and has no trouble to tell. */
const STARTING_REASONS: ReadonlySet<string> = new Set(['ContainerCreating', 'PodInitializing']);

function containerStarting(c: V1ContainerStatus): boolean {
  if ((c.restartCount ?? 0) > 0 || c.lastState?.terminated || c.state?.running || c.state?.terminated) return false;
  const reason = c.state?.waiting?.reason;
  return reason === undefined || STARTING_REASONS.has(reason);
}

/** A host pod that is starting and has shown nothing yet that a user of the virtual cluster must see. */
export function isStartingUp(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  const status = pod.status ?? {};
  if ((status.phase ?? 'Pending') !== 'Pending') return false;
  // PodScheduled False: unschedulable (or gated); the reason is news.
  if ((status.conditions ?? []).some((c) => c.status === 'False' && c.type === 'PodScheduled')) return false;
  return [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])].every(containerStarting);
}

/** Whether a report of this host pod's state is held for its next step at all (`windowMs` 0: never). */
export function holdsStartupReport(hostPod: V1Pod | undefined, windowMs: number): hostPod is V1Pod {
  return windowMs > 0 && hostPod !== undefined && isStartingUp(hostPod);
}

/**
 * Until when (ms since epoch) a look at this host pod waits rather than reports, or undefined to report now.
 * `trackedSinceMs` is when the look's job was first queued (its tracking began), so however many host
 * changes wake it, the start-up is reported at most `windowMs` after that. 0 turns coalescing off.
 */
export function startupReportDeferredUntil(hostPod: V1Pod | undefined, trackedSinceMs: number, nowMs: number, windowMs: number): number | undefined {
  if (!holdsStartupReport(hostPod, windowMs)) return undefined;
  const until = trackedSinceMs + windowMs;
  return nowMs < until ? until : undefined;
}
