// The Job controller (k8s pkg/controller/job): runs pods (generateName `<job>-`, the job-tracking finalizer)
// until `completions` have succeeded, at most `parallelism` at a time, replacing failed ones after a growing
// back-off until more than backoffLimit have failed. Finished pods are counted the way the real controller
// makes that crash-safe: their uids go to status.uncountedTerminatedPods first, then their finalizers are
// removed, then they move to succeeded/failed. Conditions SuccessCriteriaMet/FailureTarget come first,
// Complete/Failed once nothing is left uncounted or terminating. Suspend, activeDeadlineSeconds, Indexed
// completion and ttlSecondsAfterFinished are honoured.
import { claim } from './controller-claim.js';
import { SYNC_INTERVAL_MS, startQueue } from './controller-queue.js';
import { isKubeError } from './errors.js';
import {
  COMPLETION_INDEX, TRACKING_FINALIZER, backoffDelay, ensureCondition, formatIndexes, hasCondition, hasTracking, indexOf, isActivePod,
  isFinished, isIndexed, isPodFailed, jobCondition, parseIndexes, pastBackoffLimitOnFailure, wantActive,
} from './job-status.js';
import { selectorMatches } from './label-selector.js';
import { controllerRefOf, type ObjectCache } from './object-cache.js';
import { deletionOrder, slowStart } from './replicaset-controller.js';
import { jobs, pods } from './resources.js';
import { recordEvent } from './sim-events.js';
import type { Api, KubeObject } from './types.js';
import { deepEqual } from './validation.js';
import { controllerWrite, isPodReady, isTerminal, isTerminating, podFromTemplate, specOf, statusOf } from './workload-pods.js';

const WRITE = controllerWrite('job-controller');
const COMPONENT = 'job-controller';
const MAX_PER_SYNC = 500;

type Obj = Record<string, any>;
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface JobControllerOptions {
  now?: () => Date;
  /** First delay before replacing a failed pod (the real 10 s, scaled 1/50 like the simulated kubelet's back-off). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export function startJobController(api: Api, caches: { jobs: ObjectCache; pods: ObjectCache }, opts: JobControllerOptions = {}) {
  const now = opts.now ?? (() => new Date());
  const baseMs = opts.backoffBaseMs ?? 200;
  const maxMs = opts.backoffMaxMs ?? 7200;
  const failures = new Map<string, { count: number; last: number }>(); // job uid -> consecutive failures (podBackoffStore)
  const queue = startQueue(sync, { minIntervalMs: SYNC_INTERVAL_MS });
  const jobKey = (o: KubeObject) => `job:${o.metadata.namespace}/${o.metadata.name}`;
  const podKey = (o: KubeObject) => `pod:${o.metadata.namespace}/${o.metadata.name}`;

  function onPod(pod: KubeObject): void {
    const ref = controllerRefOf(pod);
    const job = ref?.kind === 'Job' ? caches.jobs.get(pod.metadata.namespace ?? '', ref.name) : undefined;
    if (job && job.metadata.uid === ref?.uid) return queue.add(jobKey(job));
    // Its Job is gone (or it never had one): only the finalizer needs handling.
    if (hasTracking(pod)) queue.add(podKey(pod));
    if (!ref) for (const j of caches.jobs.all()) if (j.metadata.namespace === pod.metadata.namespace && selectorMatches(specOf(j).selector, pod.metadata.labels)) queue.add(jobKey(j));
  }

  const unsubscribe = [
    caches.jobs.subscribe((job, _prev, type) => {
      if (type !== 'DELETED') queue.add(jobKey(job));
      else for (const pod of caches.pods.controlledBy(job.metadata.uid)) if (hasTracking(pod)) queue.add(podKey(pod));
    }),
    caches.pods.subscribe((pod, prev) => { onPod(pod); if (prev && controllerRefOf(prev)?.uid !== controllerRefOf(pod)?.uid) onPod(prev); }),
  ];

  const event = (job: KubeObject, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal') =>
    recordEvent(api, WRITE, job, { reason, message, type, component: COMPONENT }, now());

  /** Removes the job-tracking finalizer; true when it is gone (or the pod is). */
  async function dropFinalizer(pod: KubeObject): Promise<boolean> {
    try {
      await api.patch(pods, pod.metadata.namespace, pod.metadata.name!, 'strategic',
        { metadata: { uid: pod.metadata.uid, '$deleteFromPrimitiveList/finalizers': [TRACKING_FINALIZER] } }, WRITE);
      return true;
    } catch (err) {
      if (isKubeError(err) && err.code === 404) return true;
      if (isKubeError(err) && err.code === 409) return false;
      throw err;
    }
  }

  async function deletePods(job: KubeObject, victims: KubeObject[]): Promise<void> {
    await Promise.all(victims.map(async (pod) => {
      try {
        await api.delete(pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }, WRITE);
        await event(job, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      } catch (err) {
        if (!isKubeError(err) || (err.code !== 404 && err.code !== 409)) throw err;
      }
    }));
  }

  async function createPods(job: KubeObject, count: number, indexes: number[]): Promise<void> {
    let next = 0;
    await slowStart(count, async () => {
      const index = isIndexed(job) ? indexes[next++] : undefined;
      const generateName = index === undefined ? `${job.metadata.name}-` : `${job.metadata.name}-${index}-`;
      const pod = podFromTemplate(specOf(job).template, job, jobs, { generateName });
      pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), TRACKING_FINALIZER];
      if (index !== undefined) {
        pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [COMPLETION_INDEX]: String(index) };
        pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [COMPLETION_INDEX]: String(index) };
        const spec = pod.spec as Obj;
        spec.hostname ??= `${job.metadata.name}-${index}`;
        const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX}']` } } };
        for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Obj[]) c.env = [...(c.env ?? []).filter((e: Obj) => e.name !== env.name), env];
      }
      try {
        const created = await api.create(pods, job.metadata.namespace, pod, WRITE);
        await event(job, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        await event(job, 'FailedCreate', `Error creating: ${(err as Error).message}`, 'Warning');
        throw err;
      }
    });
  }

  async function writeStatus(job: KubeObject, status: Obj): Promise<KubeObject> {
    if (deepEqual(status, job.status)) return job;
    return api.update(jobs, job.metadata.namespace, job.metadata.name!, { ...job, status } as KubeObject, WRITE, 'status');
  }

  /** ttlSecondsAfterFinished, as the TTL-after-finished controller applies it (a foreground delete). */
  async function expire(job: KubeObject): Promise<number | void> {
    const ttl = specOf(job).ttlSecondsAfterFinished;
    if (typeof ttl !== 'number' || job.metadata.deletionTimestamp) return;
    const finishedAt = ((statusOf(job).conditions ?? []) as Obj[]).filter((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True').map((c) => Date.parse(c.lastTransitionTime))[0];
    const due = (Date.parse(statusOf(job).completionTime ?? '') || finishedAt || now().getTime()) + ttl * 1000;
    if (due > now().getTime()) return due - now().getTime();
    try {
      await api.delete(jobs, job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } }, WRITE);
    } catch (err) {
      if (!isKubeError(err) || (err.code !== 404 && err.code !== 409)) throw err;
    }
  }

  async function syncOrphanPod(ns: string, name: string): Promise<void> {
    const pod = caches.pods.get(ns, name);
    if (!pod || !hasTracking(pod)) return;
    const ref = controllerRefOf(pod);
    const job = ref?.kind === 'Job' ? caches.jobs.get(ns, ref.name) : undefined;
    if (job && job.metadata.uid === ref?.uid) return void queue.add(jobKey(job));
    await dropFinalizer(pod);
  }

  async function sync(key: string): Promise<number | void> {
    const [kind, rest] = [key.slice(0, 4), key.slice(4)];
    const [ns, name] = rest.split('/');
    if (kind === 'pod:') return syncOrphanPod(ns, name);
    const found = caches.jobs.get(ns, name);
    if (!found) return;
    let job = found;
    const owned = await claim(api, caches.pods, job, jobs, WRITE);
    if (isFinished(job)) {
      for (const pod of owned.filter(hasTracking)) await dropFinalizer(pod);
      return expire(job);
    }
    const spec = specOf(job);
    const t = now();
    const ts = stamp(t);
    const status: Obj = structuredClone(statusOf(job));
    const suspended = spec.suspend === true;
    if (!status.startTime && !suspended) status.startTime = ts;
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])] as string[], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] as string[] };
    const isUncounted = (p: KubeObject) => uncounted.succeeded.includes(p.metadata.uid!) || uncounted.failed.includes(p.metadata.uid!);
    const tracked = owned.filter((p) => hasTracking(p) && !isUncounted(p));
    const newSucceeded = tracked.filter((p) => statusOf(p).phase === 'Succeeded');
    const newFailed = tracked.filter((p) => statusOf(p).phase !== 'Succeeded' && isPodFailed(p, job));
    const completedIndexes = parseIndexes(status.completedIndexes);
    if (isIndexed(job)) for (const p of newSucceeded) { const i = indexOf(p); if (i !== undefined && i < (spec.completions ?? 0)) completedIndexes.add(i); }
    const succeeded = isIndexed(job) ? completedIndexes.size : (status.succeeded ?? 0) + uncounted.succeeded.length + newSucceeded.length;
    const failed = (status.failed ?? 0) + uncounted.failed.length + newFailed.length;

    const backoff = failures.get(job.metadata.uid!) ?? { count: 0, last: 0 };
    if (newSucceeded.length) backoff.count = 0;
    if (newFailed.length) { backoff.count += newFailed.length; backoff.last = t.getTime(); }
    failures.set(job.metadata.uid!, backoff);

    let finished = ((status.conditions ?? []) as Obj[]).find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
    if (!finished && (failed > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, owned))) finished = jobCondition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', ts);
    const deadlineMs = typeof spec.activeDeadlineSeconds === 'number' && status.startTime ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 - t.getTime() : undefined;
    if (!finished && !suspended && deadlineMs !== undefined && deadlineMs <= 0) finished = jobCondition('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline', ts);

    let after: number | undefined;
    const active = owned.filter(isActivePod);
    if (finished?.type === 'FailureTarget') await deletePods(job, active);
    else if (!finished && !job.metadata.deletionTimestamp) {
      if (suspended) {
        await deletePods(job, active);
        if (ensureCondition(status, { ...jobCondition('Suspended', 'JobSuspended', 'Job suspended', ts) })) await event(job, 'Suspended', 'Job suspended');
      } else {
        if (hasCondition(status, 'Suspended') && ensureCondition(status, { ...jobCondition('Suspended', 'JobResumed', 'Job resumed', ts), status: 'False' })) {
          status.startTime = ts;
          await event(job, 'Resumed', 'Job resumed');
        }
        const want = wantActive(job, succeeded, active.length);
        if (active.length > want) await deletePods(job, [...active].sort(deletionOrder).slice(0, Math.min(active.length - want, MAX_PER_SYNC)));
        else {
          const terminating = owned.filter((p) => isTerminating(p) && !isTerminal(p)).length;
          const diff = want - active.length - (spec.podReplacementPolicy === 'Failed' ? terminating : 0);
          const wait = backoff.count ? backoff.last + backoffDelay(backoff.count, baseMs, maxMs) - t.getTime() : 0;
          if (diff > 0 && wait > 0) after = wait;
          else if (diff > 0) {
            const held = new Set(active.map(indexOf).filter((i): i is number => i !== undefined));
            const pending = isIndexed(job) ? Array.from({ length: spec.completions ?? 0 }, (_, i) => i).filter((i) => !completedIndexes.has(i) && !held.has(i)) : [];
            await createPods(job, Math.min(diff, MAX_PER_SYNC, isIndexed(job) ? pending.length : Infinity), pending);
          }
        }
        const activeNow = caches.pods.controlledBy(job.metadata.uid).filter(isActivePod).length;
        const complete = spec.completions === undefined || spec.completions === null ? succeeded > 0 && activeNow === 0 : succeeded >= spec.completions && activeNow === 0;
        if (complete) finished = jobCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', ts);
        else if (deadlineMs !== undefined) after = Math.min(after ?? Infinity, Math.max(1, deadlineMs));
      }
    }
    if (finished && !hasCondition(status, finished.type)) status.conditions = [...((status.conditions ?? []) as Obj[]), finished];

    // 1. Record the newly finished pods as uncounted (when the job fails, every unfinished pod counts as failed).
    const failing = finished?.type === 'FailureTarget';
    if (!isIndexed(job)) uncounted.succeeded.push(...newSucceeded.map((p) => p.metadata.uid!));
    uncounted.failed.push(...newFailed.map((p) => p.metadata.uid!));
    if (failing) for (const p of tracked) if (statusOf(p).phase !== 'Succeeded' && !uncounted.failed.includes(p.metadata.uid!)) uncounted.failed.push(p.metadata.uid!);
    const current = () => caches.pods.controlledBy(job.metadata.uid);
    const fill = (s: Obj) => {
      const now = current();
      s.active = now.filter(isActivePod).length || undefined;
      s.ready = now.filter((p) => isActivePod(p) && isPodReady(p)).length;
      s.terminating = now.filter((p) => isTerminating(p) && !isTerminal(p)).length;
      s.uncountedTerminatedPods = { ...(uncounted.succeeded.length ? { succeeded: uncounted.succeeded } : {}), ...(uncounted.failed.length ? { failed: uncounted.failed } : {}) };
      if (isIndexed(job)) s.completedIndexes = formatIndexes(completedIndexes);
      if (!s.active) delete s.active;
    };
    fill(status);
    job = await writeStatus(job, status);

    // 2. Remove the finalizers of the pods just recorded (from this sync's snapshot only: a pod that finished
    // meanwhile is not recorded yet, and losing its finalizer now would lose its count).
    const recorded = new Set([...uncounted.succeeded, ...uncounted.failed, ...(isIndexed(job) ? newSucceeded.map((p) => p.metadata.uid!) : [])]);
    const done = (p: KubeObject) => recorded.has(p.metadata.uid!) || !!job.metadata.deletionTimestamp || (!!finished && isActivePod(p));
    for (const p of owned.filter((p) => hasTracking(p) && done(p))) await dropFinalizer(p);

    // 3. Count the uncounted pods whose finalizer is gone.
    const stillTracked = new Set(current().filter(hasTracking).map((p) => p.metadata.uid!));
    const gone = (list: string[]) => list.filter((u) => !stillTracked.has(u));
    status.succeeded = (status.succeeded ?? 0) + (isIndexed(job) ? 0 : gone(uncounted.succeeded).length);
    status.failed = (status.failed ?? 0) + gone(uncounted.failed).length;
    if (isIndexed(job)) status.succeeded = completedIndexes.size;
    uncounted.succeeded = uncounted.succeeded.filter((u) => stillTracked.has(u));
    uncounted.failed = uncounted.failed.filter((u) => stillTracked.has(u));
    for (const k of ['succeeded', 'failed']) if (!status[k]) delete status[k];
    fill(status);

    // 4. The terminal condition, once nothing is uncounted or still terminating.
    let terminal = false;
    if (finished && !uncounted.succeeded.length && !uncounted.failed.length && !status.terminating) {
      const type = finished.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed';
      ensureCondition(status, jobCondition(type, finished.reason, finished.message, ts));
      if (type === 'Complete') status.completionTime = ts;
      terminal = true;
    }
    job = await writeStatus(job, status);
    if (terminal) {
      if (finished!.type === 'SuccessCriteriaMet') await event(job, 'Completed', 'Job completed');
      else await event(job, finished!.reason, finished!.message, 'Warning');
      return expire(job);
    }
    return after;
  }

  return {
    async stop() {
      for (const u of unsubscribe) u();
      await queue.stop();
    },
  };
}
