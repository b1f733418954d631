// The Job controller's bookkeeping as pure functions (k8s pkg/controller/job): which pods count as succeeded or
// failed, how many should be active, completed indexes of Indexed jobs in their `0-2,5` form, the conditions
// (SuccessCriteriaMet/FailureTarget first, then Complete/Failed once no pod is left uncounted or terminating),
// and the back-off before a failed pod is replaced.
import type { KubeObject } from './types.js';
import { isTerminal, isTerminating, specOf, statusOf } from './workload-pods.js';

type Obj = Record<string, any>;

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

export const hasTracking = (pod: KubeObject) => (pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER);
export const isIndexed = (job: KubeObject) => specOf(job).completionMode === 'Indexed';
const onlyReplaceFailed = (job: KubeObject) => specOf(job).podReplacementPolicy === 'Failed';

/** isPodFailed: Failed, or deleted before it succeeded (unless only Failed pods are replaced). */
export function isPodFailed(pod: KubeObject, job: KubeObject): boolean {
  if (statusOf(pod).phase === 'Failed') return true;
  if (onlyReplaceFailed(job)) return false;
  return isTerminating(pod) && statusOf(pod).phase !== 'Succeeded';
}

export const isActivePod = (pod: KubeObject) => !isTerminal(pod) && !isTerminating(pod);

export function indexOf(pod: KubeObject): number | undefined {
  const raw = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

export function formatIndexes(set: Set<number>): string {
  const sorted = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    // Three or more in a row compress to a range; a pair stays `a,b`.
    parts.push(i === j ? String(sorted[i]) : j === i + 1 ? `${sorted[i]},${sorted[j]}` : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(',');
}

/** How many pods should be active now (manageJob's wantActive). */
export function wantActive(job: KubeObject, succeeded: number, active: number): number {
  const spec = specOf(job);
  const parallelism = spec.parallelism ?? 1;
  if (spec.completions === undefined || spec.completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(spec.completions - succeeded, parallelism));
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure the container restarts count as failures. */
export function pastBackoffLimitOnFailure(job: KubeObject, podsOfJob: KubeObject[]): boolean {
  if (specOf(job).template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of podsOfJob) {
    if (!['Running', 'Pending'].includes(statusOf(pod).phase)) continue;
    for (const c of [...(statusOf(pod).initContainerStatuses ?? []), ...(statusOf(pod).containerStatuses ?? [])] as Obj[]) restarts += c.restartCount ?? 0;
  }
  const limit = specOf(job).backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

export interface JobCondition { type: string; status: string; lastProbeTime: string; lastTransitionTime: string; reason?: string; message?: string }

export const jobCondition = (type: string, reason: string, message: string, now: string): JobCondition =>
  ({ type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason, message });

/** Whether a Job status holds the condition with status True. */
export const hasCondition = (status: Obj, type: string) => ((status.conditions ?? []) as JobCondition[]).some((c) => c.type === type && c.status === 'True');

export const isFinished = (job: KubeObject) => hasCondition(statusOf(job), 'Complete') || hasCondition(statusOf(job), 'Failed');

/** ensureJobConditionStatus: adds the condition, or updates it in place when its status changes. */
export function ensureCondition(status: Obj, c: JobCondition): boolean {
  const list = (status.conditions ?? []) as JobCondition[];
  const current = list.find((x) => x.type === c.type);
  if (current && current.status === c.status && current.reason === c.reason && current.message === c.message) return false;
  status.conditions = current ? list.map((x) => (x === current ? { ...c, lastTransitionTime: current.status === c.status ? current.lastTransitionTime : c.lastTransitionTime } : x)) : [...list, c];
  return true;
}

/** Delay before the next pod after `failures` consecutive failures: base * 2^(n-1), capped. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  return failures <= 0 ? 0 : Math.min(maxMs, baseMs * 2 ** (failures - 1));
}
