// status: follow one host pod until it is Ready or finished (or, while deleting, until it is gone) and keep
// the virtual pod truthful meanwhile. Each look reads both pods and plans as `sync` does, status only; a
// status report is applied here, anything else (create, delete, finalize) is handed to `sync`, which owns
// those effects. While the host watch is healthy (host-watch/) the host pod comes from its snapshot in Redis
// and one look is all a job does: the watch sends a job for every host change. Otherwise polls back off from
// fast to slow, so a pod that starts in a second is Ready in the virtual cluster a moment later, and one stuck
// in ImagePullBackOff costs little. A look that reports plans from the virtual pod as a worker last wrote or
// read it (core/seen-virtual-pod.ts), so it usually costs no virtual GET either.
import { DelayedError, type Job } from 'bullmq';
import { hostPodName } from '../../_shared/core/names.js';
import { planPodSync } from '../../_shared/core/plan.js';
import { ephemeralContainersSettled, isPodFinished, isPodReady } from '../../_shared/core/translate-status.js';
import { enqueueStatusNow, parseStatusJobData, type StatusJobData } from '../../_shared/queue/enqueue-status.js';
import { decodeSnapshot } from '../../_shared/core/host-pod-snapshot.js';
import { enqueueSync } from '../../_shared/queue/enqueue-sync.js';
import { jobNotes } from '../../_shared/queue/job-log.js';
import type { V1Pod } from '@kubernetes/client-node';
import { hostMetadataPatch, virtualKeysDrifted } from '../../_shared/core/host-metadata.js';
import { isManagedHostPod } from '../../_shared/core/provenance.js';
import { isConflict } from '../../_shared/kube/kube-errors.js';
import { patchPod, readPod } from '../../_shared/kube/pods.js';
import { viewHostPod } from '../host-pod-view.js';
import { reportToVirtual } from '../report-to-virtual.js';
import { decodeSeenVirtualPod, trustedFromSeenVirtual } from '../../_shared/core/seen-virtual-pod.js';
import { forgetVirtualPod, rememberVirtualPod, withSeenVirtualBuffer } from '../seen-virtual-pod.js';
import { startupReportDeferredUntil } from '../../_shared/core/startup-coalescing.js';
import { hostPodStory } from './job-story.js';
import type { WorkerDeps } from '../worker-deps.js';
import { observeVirtualStatusReported } from '../worker-metrics.js';

/** `watched`: looked once, the host watch brings the next change. */
export type StatusOutcome = 'ready' | 'finished' | 'handed-to-sync' | 'gave-up' | 'polling' | 'watched';

/** A report that lost a race with another writer is planned again at once, a few times. */
const MAX_LOOKS = 3;

/**
 * The next poll delay: firstMs, growing by factor per poll, capped at fastMaxMs during the first fastPhaseMs
 * of tracking (a pod that starts then is reported within about a second) and at maxMs after that (a pod
 * stuck in ImagePullBackOff costs little).
 */
export function nextPollDelayMs(polls: number, elapsedMs: number, poll: WorkerDeps['statusPoll']): number {
  const cap = elapsedMs < poll.fastPhaseMs ? Math.min(poll.fastMaxMs, poll.maxMs) : poll.maxMs;
  return Math.min(cap, Math.round(poll.firstMs * poll.factor ** polls));
}

export async function processStatus(job: Job, token: string | undefined, deps: WorkerDeps): Promise<StatusOutcome> {
  const data = parseStatusJobData(job.data);
  // The dashboard shows a job's log and progress: each step is a timestamped line, some move the bar; the
  // story is written once, when the job ends (one Redis command, queue/job-log.ts).
  const story = jobNotes(job, deps.now, deps.jobLog);
  // The virtual pod this job writes or reads is remembered with its story, in the same command.
  const seen = withSeenVirtualBuffer(deps);
  try {
    return await follow(job, token, seen.deps, data, story.note);
  } finally {
    await story.flush(seen.buffer?.pending).catch((err) => deps.log.warn({ err: (err as Error).message, job: job.id }, 'could not write the job story'));
  }
}

async function follow(job: Job, token: string | undefined, deps: WorkerDeps, data: StatusJobData, note: (msg: string, progress?: number) => Promise<unknown>): Promise<StatusOutcome> {
  let look = await lookOnce(data, deps, note, false, job.timestamp);
  // After a lost race the seen virtual pod is known stale: the next look reads the virtual API.
  for (let i = 1; look.conflict && i < MAX_LOOKS; i++) look = await lookOnce(data, deps, note, true, job.timestamp);
  const { outcome, hostResourceVersion } = look;
  if (look.deferredUntil !== undefined) {
    // The host watch's next change moves this job to now (enqueueStatusNow's reschedule); the data stays
    // as it was, so the look after the window is not skipped as "nothing moved".
    await job.moveToDelayed(look.deferredUntil, token);
    await wakeIfHostMoved(data, look.hostResourceVersion, deps);
    throw new DelayedError();
  }
  if (outcome !== 'polling') return outcome;
  if (look.watched) return 'watched';
  const elapsed = deps.now().getTime() - data.startedAt;
  if (elapsed > deps.statusPoll.giveUpAfterMs) {
    await note(`not settled after ${Math.round(elapsed / 1000)} s; resync keeps it truthful from here`);
    return 'gave-up';
  }
  await job.updateData({ ...data, polls: data.polls + 1, ...(hostResourceVersion ? { hostResourceVersion } : {}) } satisfies StatusJobData);
  await job.moveToDelayed(Date.now() + nextPollDelayMs(data.polls, elapsed, deps.statusPoll), token);
  throw new DelayedError();
}

/**
 * A change the watch sent while this job was active did not reschedule it: BullMQ keeps it for after the job
 * finishes (keepLastIfActive), and a job moved to the delayed set has not finished. So once delayed, the job
 * looks at the snapshot again and wakes itself if the host pod moved. A change written after this read is
 * queued after the move, and reschedules the delayed job as usual.
 */
export async function wakeIfHostMoved(data: StatusJobData, lookedAt: string | undefined, deps: WorkerDeps): Promise<void> {
  if (!deps.hostState) return;
  const state = await deps.hostState.read(hostPodName(data.ref.name, data.ref.namespace, deps.cluster));
  const now = state.snapshot ? decodeSnapshot(state.snapshot).metadata?.resourceVersion : undefined;
  if (state.healthy && now === lookedAt) return;
  await enqueueStatusNow(deps.queues.status, data.ref, deps.now());
}

interface Look {
  outcome: StatusOutcome;
  /** The host watch is healthy: no poll needed. */
  watched?: boolean;
  /** The report lost a race (the virtual pod changed since it was read): look again. */
  conflict?: boolean;
  /** The host pod's resourceVersion at this look: an unchanged host pod needs no second look at the virtual one. */
  hostResourceVersion?: string;
  /** The pod is starting up: look again then (ms since epoch), or at the watch's next change, rather than report now. */
  deferredUntil?: number;
}

async function lookOnce(data: StatusJobData, deps: WorkerDeps, note: (m: string, progress?: number) => Promise<unknown>, fresh: boolean, trackedSinceMs: number): Promise<Look> {
  const { ref } = data;
  const view = await viewHostPod(deps, hostPodName(ref.name, ref.namespace, deps.cluster));
  if (view.watched && !view.pod) {
    // Not known to the healthy watch: its ADDED brings the next look, its DELETED brought a sync.
    await note('host pod not seen by the host watch (yet): its next event brings the next look');
    return { outcome: 'polling', watched: true };
  }
  const hostPod = view.pod;
  const watched = view.watched;
  const hostResourceVersion = hostPod?.metadata?.resourceVersion;
  // Nothing moved on the host since the last poll, and virtual-side changes arrive as sync jobs: skip the read.
  if (hostResourceVersion && hostResourceVersion === data.hostResourceVersion) return { outcome: 'polling', hostResourceVersion, watched };
  // A start-up step is reported with the next one, or when the window ends (core/startup-coalescing.ts).
  // Only while the watch is healthy: it is what brings the next step.
  const deferredUntil = watched ? startupReportDeferredUntil(hostPod, trackedSinceMs, Date.now(), deps.statusPoll.startupCoalesceMs ?? 0) : undefined;
  if (deferredUntil !== undefined) {
    await note(`host pod starting (${hostPodStory(hostPod).line}): reported with its next step, or in ${deferredUntil - Date.now()} ms`);
    return { outcome: 'polling', watched, deferredUntil, ...(hostResourceVersion ? { hostResourceVersion } : {}) };
  }
  const planFor = (virtualPod: V1Pod | undefined) => planPodSync({ virtualPod, hostPod, ref, ctx: deps.translate, policy: deps.policy, now: deps.now(), statusOnly: true });
  // The seen virtual pod stands in for a GET when its plan is a report (conditional on the copy, so a stale
  // copy costs a 409), or "in sync" with a host state it already reflects (core/seen-virtual-pod.ts). Any
  // other plan is made again from the virtual API.
  const seen = fresh || !view.seenVirtual ? undefined : decodeSeenVirtualPod(view.seenVirtual);
  let virtualPod = seen?.pod;
  let plan = virtualPod ? planFor(virtualPod) : undefined;
  const fromSeen = plan !== undefined && trustedFromSeenVirtual(plan, hostResourceVersion, seen);
  if (!plan || !fromSeen) {
    virtualPod = await readPod(deps.virtual, ref.namespace, ref.name);
    plan = planFor(virtualPod);
    // What was read saves the next look a GET; a report remembers the pod it writes instead. Found in sync
    // with this host state, it lets a later look at the same state trust the copy.
    if (plan.type !== 'report-status') await rememberVirtualPod(deps, virtualPod, plan.type === 'nothing' && plan.reason === 'in-sync' ? hostResourceVersion : undefined);
  }
  if (plan.type === 'conflict') {
    await note('the host name belongs to another object: nothing to track');
    return { outcome: 'finished' };
  }
  // With statusOnly a refusal only comes when there is no host pod: nothing runs, and sync has said why.
  if (plan.type === 'refuse-host') return { outcome: 'finished' };
  if (plan.type === 'report-status') {
    const result = await reportToVirtual(plan.virtual, plan.report, deps);
    if (result === 'conflict') return { outcome: 'polling', conflict: true };
    if (result === 'stale') {
      await note(`host state ${hostResourceVersion ?? '?'} is older than the one already reported: not applied`);
    } else {
      observeVirtualStatusReported(deps, virtualPod, plan.report.status);
      const story = hostPodStory(hostPod);
      await note(story.line, story.progress);
      await note(`virtual pod status patched${view.fromSnapshot ? ' (host state from the watch)' : ''}: phase ${plan.report.status.phase ?? '?'}${plan.report.nodeName ? `, bound to node ${plan.report.nodeName}` : ''}${isPodReady(hostPod) ? ', Ready' : ''}`);
    }
  } else if (plan.type !== 'nothing') {
    await enqueueSync(deps.queues.sync, ref, 'worker');
    await note(`${plan.type} needed: handed to sync`);
    return { outcome: 'handed-to-sync' };
  } else if (plan.reason !== 'in-sync' && plan.reason !== 'waiting-for-host-delete') {
    await note(`nothing to track (${plan.reason})`);
    return { outcome: 'finished' };
  }
  if (await copyHostMetadata(hostPod, virtualPod, fromSeen, deps, note) === 'conflict') return { outcome: 'polling', conflict: true };
  if (hostPod?.metadata?.deletionTimestamp) return { outcome: 'polling', hostResourceVersion, watched }; // report until gone; then sync finalizes
  if (isPodFinished(hostPod)) return { outcome: 'finished' };
  if (isPodReady(hostPod) && ephemeralContainersSettled(hostPod)) return { outcome: 'ready' };
  return { outcome: 'polling', hostResourceVersion, watched };
}

/** Labels and annotations host components added to the host pod, onto the virtual pod (core/host-metadata.ts). */
async function copyHostMetadata(hostPod: V1Pod | undefined, virtualPod: V1Pod | undefined, fromSeen: boolean, deps: WorkerDeps, note: (m: string) => Promise<unknown>): Promise<'copied' | 'none' | 'conflict'> {
  if (!hostPod || !virtualPod?.metadata?.name || virtualPod.metadata.deletionTimestamp || !isManagedHostPod(hostPod, deps.cluster, deps.hostNamespace)) return 'none';
  const target = { namespace: virtualPod.metadata.namespace!, name: virtualPod.metadata.name };
  // A key the virtual pod owns changed on the host: the virtual value wins, through sync. Judged from the
  // virtual API's answer only: the seen copy may predate the user's own change.
  if (virtualKeysDrifted(hostPod, virtualPod, deps.cluster)) {
    if (fromSeen) {
      await forgetVirtualPod(deps, target);
      return 'conflict';
    }
    await enqueueSync(deps.queues.sync, { cluster: deps.cluster, kind: 'Pod', ...target }, 'worker');
  }
  const patch = hostMetadataPatch(hostPod, virtualPod);
  if (!patch) return 'none';
  try {
    // Conditional on the virtual pod as read: a label the user set meanwhile is never overwritten blindly.
    await rememberVirtualPod(deps, await patchPod(deps.virtual, target.namespace, target.name, { metadata: { ...patch.metadata, resourceVersion: virtualPod.metadata.resourceVersion } }));
  } catch (err) {
    if (!isConflict(err)) throw err;
    await forgetVirtualPod(deps, target);
    return 'conflict';
  }
  await note(`host labels and annotations copied to the virtual pod: ${[...Object.keys(patch.metadata.labels ?? {}), ...Object.keys(patch.metadata.annotations ?? {})].join(', ')}`);
  return 'copied';
}
