// sync: the level-triggered heart. Read the virtual pod (the truth) and its host pod, plan the one next step
// (core/plan.ts), apply it, and hand status tracking to `status`. A job is a reason to look, so duplicate,
// late and out-of-order jobs only ever find `nothing` to do; a crash at any line leaves a state that the
// next run plans from afresh.
import type { Job } from 'bullmq';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { hostObjectName, hostPodName } from '../../_shared/core/names.js';
import { jobTitle, parseObjectRef, type ObjectRef } from '../../_shared/core/job-refs.js';
import { planPodSync, type PodSyncPlan } from '../../_shared/core/plan.js';
import { withServiceLinks } from '../../_shared/core/service-links.js';
import { podDependencies, podReferences } from '../../_shared/core/pod-references.js';
import { translateConfigMap, translateSecret, type TranslateContext } from '../../_shared/core/translate-pod.js';
import type { Ownership } from '../../_shared/core/ownership.js';
import { hostNameOwnership, readConfigMap, readSecret, recordPodWarning, upsertConfigMap, upsertSecret } from '../../_shared/kube/cluster-objects.js';
import { isAlreadyExists, isConflict } from '../../_shared/kube/kube-errors.js';
import { readNamespaceLabels } from '../../_shared/kube/namespaces.js';
import { addEphemeralContainers, createPod, deletePod, patchPodJson, readPod } from '../../_shared/kube/pods.js';
import { enqueueStatus } from '../../_shared/queue/enqueue-status.js';
import { jobNotes } from '../../_shared/queue/job-log.js';
import { copyMark, namespaceLabelsMark, serviceLinksMark } from '../../_shared/queue/shared-marks.js';
import { planFromHostView, viewHostPodForSync } from '../host-pod-view.js';
import { pushReadinessGates } from '../readiness-gates.js';
import { holdsStartupReport } from '../../_shared/core/startup-coalescing.js';
import { prepareServiceAccountTokens } from '../service-account-tokens.js';
import { reportToVirtual } from '../report-to-virtual.js';
import { rememberVirtualPod, withSeenVirtualBuffer } from '../seen-virtual-pod.js';
import { serviceLinksFor } from '../service-links.js';
import { ensureClaimsForPod } from './claim.js';
import type { WorkerDeps } from '../worker-deps.js';
import { observeHostPodCreated, observeHostWriteRefused, observeVirtualStatusReported } from '../worker-metrics.js';

/** A sync never needs more than a few rounds: a 409 on create means "read again and converge". */
const MAX_ROUNDS = 3;

export async function processSync(job: Job, deps: WorkerDeps): Promise<string> {
  // The dashboard shows a job's log and progress: each step is a timestamped line, some move the bar; the
  // story is written once, when the job ends (one Redis command, queue/job-log.ts).
  const story = jobNotes(job, deps.now, deps.jobLog);
  // The virtual pod this job writes or reads is remembered with its story, in the same command.
  const seen = withSeenVirtualBuffer(deps);
  try {
    return await syncPod(job, seen.deps, story.note);
  } finally {
    await story.flush(seen.buffer?.pending).catch((err) => deps.log.warn({ err: (err as Error).message, job: job.id }, 'could not write the job story'));
  }
}

async function syncPod(job: Job, deps: WorkerDeps, note: (msg: string, progress?: number) => Promise<unknown>): Promise<string> {
  const ref = parseObjectRef(job.data);
  let outcome = '';
  const hostName = hostPodName(ref.name, ref.namespace, deps.cluster);
  let known: { ctx: TranslateContext; marks: Marks } | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // The host watch's state stands in for a host GET when it says nothing is there (host-pod-view.ts);
    // after a 409 the next round asks the host API.
    const [virtualPod, view] = await Promise.all([readPod(deps.virtual, ref.namespace, ref.name), viewHostPodForSync(deps, hostName, round === 0)]);
    // Status looks plan from the virtual pod as read here (a new pod's first one, and the next one after the
    // user's change), written with this job's story.
    await rememberVirtualPod(deps, virtualPod);
    if (!known) {
      // What workers share briefly, in one read: the namespace's labels (mirrored onto the host pod:
      // kube/namespaces.ts), which of the pod's copies are current, the namespace's service links.
      const marks = await readMarks(ref.namespace, virtualPod ? podDependencies(virtualPod, deps.translate) : { configMaps: [], secrets: [] }, deps);
      known = { marks, ctx: { ...deps.translate, namespaceLabels: await readNamespaceLabels(deps.virtual, ref.namespace, deps.namespaceLabels, marks.namespaceLabels) } };
    }
    const { ctx, marks } = known;
    const { hostPod, plan, view: seen } = await planFromHostView(deps, hostName, view, (pod) => planPodSync({ virtualPod, hostPod: pod, ref, ctx, policy: deps.policy, now: deps.now() }));
    const done = await applyPlan(plan, ref, virtualPod, hostPod, { ...deps, hostWatched: seen.watched }, note, marks);
    if (done && (await pushReadinessGates(plan.type, virtualPod, hostPod, deps)) > 0) await note('readiness-gate conditions carried to the host pod');
    outcome = plan.type === 'nothing' ? `nothing (${plan.reason})` : plan.type;
    if (done) break;
  }
  return outcome;
}

/** Applies one plan; false when the world moved under us and the job should read and plan again. */
async function applyPlan(plan: PodSyncPlan, ref: ObjectRef, virtualPod: V1Pod | undefined, hostPod: V1Pod | undefined, deps: WorkerDeps & { hostWatched: boolean }, note: (m: string, progress?: number) => Promise<unknown>, marks: Marks): Promise<boolean> {
  switch (plan.type) {
    case 'nothing':
      await note(`nothing to do (${plan.reason})`, 100);
      return true;
    case 'create-host':
    case 'recreate-or-reflect': {
      const missing: Array<{ kind: 'configMap' | 'secret'; name: string }> = [];
      if (plan.type === 'recreate-or-reflect' && plan.decision === 'reflect') {
        if (plan.report) await reportToVirtual(plan.virtual, plan.report, deps);
        await deletePod(deps.virtual, plan.virtual.namespace, plan.virtual.name, { gracePeriodSeconds: plan.gracePeriodSeconds, uid: plan.virtual.uid });
        await note(`virtual pod deleted (grace ${plan.gracePeriodSeconds} s): ${plan.message}`);
        // A graceful delete leaves the virtual pod Terminating: follow it, so it is finalized once the host
        // pod is gone (our own writes are not audited, so no event would bring us back).
        if (plan.gracePeriodSeconds > 0) await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
        return true;
      }
      {
        // What other pods of the namespace established a moment ago (current copies, service links), as read.
        const dependencies = await ensureDependencies(ref.namespace, plan.dependencies, deps, ref.name, missing, marks.copied);
        const claims = dependencies.owned && virtualPod ? await ensureClaimsForPod(virtualPod, deps, note) : dependencies;
        if (!claims.owned) {
          await refuseForConflict(virtualPod, claims.conflict, deps, note);
          return true;
        }
        // The virtual namespace's service links, fixed at container start as kubelet fixes them.
        if (virtualPod) withServiceLinks(plan.hostPod.spec!, await serviceLinksFor(virtualPod, deps, marks.serviceLinks));
      }
      const tokens = await prepareServiceAccountTokens(virtualPod, deps, note);
      if (!tokens.owned) {
        await refuseForConflict(virtualPod, tokens.conflict, deps, note);
        return true;
      }
      await note(`translated to host pod ${deps.hostNamespace}/${plan.hostPod.metadata?.name}${plan.dependencies.configMaps.length + plan.dependencies.secrets.length > 0 ? ` (copied ${plan.dependencies.configMaps.length} configmaps, ${plan.dependencies.secrets.length} secrets)` : ''}`, 30);
      const toCreate = tokens.annotations ? { ...plan.hostPod, metadata: { ...plan.hostPod.metadata, annotations: { ...plan.hostPod.metadata?.annotations, ...tokens.annotations } } } : plan.hostPod;
      try {
        await tokens.adopt(await createPod(deps.host, deps.hostNamespace, toCreate));
      } catch (err) {
        if (isAlreadyExists(err)) return false; // another run created it: read it and converge
        throw err;
      }
      await note(`host pod ${deps.hostNamespace}/${plan.hostPod.metadata?.name} created`, 70);
      if (virtualPod && missing.length > 0) await warnOfMissingDependencies(virtualPod, missing, deps);
      if (plan.type === 'create-host') observeHostPodCreated(deps, virtualPod);
      // A healthy host watch sends a status look for every change of the new pod, its creation included.
      if (!deps.hostWatched) await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      await note(`scheduling and readiness are followed by job "${jobTitle('status', ref)}"${deps.hostWatched ? ', queued by the host watch at each change of the host pod' : ''}`, 100);
      return true;
    }
    case 'converge-host':
      if (plan.patch.length > 0) {
        try {
          await patchPodJson(deps.host, plan.host.namespace, plan.host.name, plan.patch);
        } catch (err) {
          if (isConflict(err)) return false;
          throw err;
        }
        await note(`host pod converged: ${plan.changes.join(', ')}`);
      }
      if (plan.ephemeralContainersToAdd.length > 0) {
        // kubectl debug: ephemeral containers only enter a live pod through their subresource.
        try {
          await addEphemeralContainers(deps.host, plan.host.namespace, plan.host.name, plan.ephemeralContainersToAdd);
        } catch (err) {
          if (isConflict(err)) return false;
          throw err;
        }
        await note(`ephemeral containers added to the host pod: ${plan.ephemeralContainersToAdd.map((c) => c.name).join(', ')}`);
      }
      if (plan.report) await reportToVirtual({ namespace: ref.namespace, name: ref.name, uid: virtualPod?.metadata?.uid }, plan.report, deps);
      await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      return true;
    case 'report-status': {
      // A start-up step is for the status look the watch sent for it, to report with the next step
      // (core/startup-coalescing.ts); one already waiting absorbs this request.
      if (deps.hostWatched && holdsStartupReport(hostPod, deps.statusPoll.startupCoalesceMs ?? 0)) {
        await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
        await note('host pod starting: its status look reports it with the next step', 100);
        return true;
      }
      const result = await reportToVirtual(plan.virtual, plan.report, deps);
      if (result === 'applied') {
        observeVirtualStatusReported(deps, virtualPod, plan.report.status);
        await note(`virtual pod status patched: phase ${plan.report.status.phase ?? '?'}`, 100);
      } else {
        await note(result === 'stale' ? 'host state older than the one already reported: not applied' : 'virtual pod changed since read: a status look reports it', 100);
      }
      await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      return true;
    }
    case 'delete-host':
      await deletePod(deps.host, plan.host.namespace, plan.host.name, {
        ...(plan.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: plan.gracePeriodSeconds } : {}),
        uid: plan.host.uid,
      });
      await note(`host pod deleted (${plan.reason}${plan.gracePeriodSeconds !== undefined ? `, grace ${plan.gracePeriodSeconds} s` : ''})`);
      // Follow the host pod until it is gone, so the virtual pod is finalized then.
      if (virtualPod) await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      return true;
    case 'refuse-host':
      // The worker is the defence: whatever admission said, a pod that breaks the policy is never written.
      observeHostWriteRefused(deps, 'policy', plan.violations.map((v) => v.rule));
      await recordPodWarning(deps.virtual, virtualPod!, 'SyncError', eventMessage(`podferry refused to run this pod on the host cluster: ${plan.reason}`), deps.now());
      await note(`host write refused by the pod policy: ${plan.reason}`, 100);
      if (plan.report) await reportToVirtual(plan.virtual, plan.report, deps);
      return true;
    case 'conflict':
      await refuseForConflict(virtualPod, plan.message, deps, note);
      return true;
    case 'finalize-virtual':
      await deletePod(deps.virtual, plan.virtual.namespace, plan.virtual.name, { gracePeriodSeconds: 0, uid: plan.virtual.uid });
      await note('host pod gone: virtual pod finalized');
      return true;
  }
}

/**
 * A pod that mounts a configmap or secret that does not exist waits in ContainerCreating (the host kubelet
 * retries the mount). Its host FailedMount events name host objects; this one says, in virtual names only,
 * what the pod waits for and that creating it is enough (processors/dependency.ts copies it then).
 */
async function warnOfMissingDependencies(virtualPod: V1Pod, absent: ReadonlyArray<{ kind: 'configMap' | 'secret'; name: string }>, deps: WorkerDeps): Promise<void> {
  const namespace = virtualPod.metadata?.namespace ?? '';
  // Only what the pod cannot start without: an optional reference to a missing object is no reason to wait.
  const required = new Set(podReferences(virtualPod, deps.translate).filter((r) => r.required).map((r) => `${r.kind}/${r.name}`));
  const missing = absent.filter((r) => required.has(`${r.kind}/${r.name}`)).map((r) => `${r.kind === 'configMap' ? 'configmap' : 'secret'} "${r.name}"`);
  if (missing.length === 0) return;
  await recordPodWarning(deps.virtual, virtualPod, 'DependencyNotFound',
    `${missing.join(', ')} not found in namespace "${namespace}": the pod waits for ${missing.length === 1 ? 'it' : 'them'}, and podferry copies ${missing.length === 1 ? 'it' : 'them'} to the host cluster as soon as ${missing.length === 1 ? 'it is' : 'they are'} created`, deps.now());
}

/** Events stay readable (and under events.k8s.io's 1 kB note limit); the full list is in the job's log. */
const MAX_EVENT_MESSAGE = 1024;
function eventMessage(text: string): string {
  return text.length <= MAX_EVENT_MESSAGE ? text : `${text.slice(0, MAX_EVENT_MESSAGE - 40)}... (the rest is in the sync job's log)`;
}

/** A host name held by another object: nothing is written, the virtual pod says why and stays Pending. */
async function refuseForConflict(virtualPod: V1Pod | undefined, conflict: string, deps: WorkerDeps, note: (m: string, progress?: number) => Promise<unknown>): Promise<void> {
  observeHostWriteRefused(deps, 'conflict', ['ownership']);
  if (virtualPod) await recordPodWarning(deps.virtual, virtualPod, 'SyncError', `podferry cannot sync this pod to the host cluster: ${conflict}`, deps.now());
  await note(`host write refused: ${conflict}`, 100);
}

/**
 * Copies the configmaps and secrets the pod mounts into the host namespace, each only over a copy that is
 * provably its own. A missing one is left missing (the host kubelet reports FailedMount, exactly what the
 * user would see without a syncer, and the pod is recorded as waiting for it, so creating it later copies it
 * then: processors/dependency.ts), but its host name must not belong to another object either: the host pod
 * would mount that object instead. The first conflict stops the pod.
 */
async function ensureDependencies(namespace: string, needed: { configMaps: string[]; secrets: string[] }, deps: WorkerDeps, pod: string, missing: Array<{ kind: 'configMap' | 'secret'; name: string }>, copied: ReadonlySet<string>): Promise<Ownership> {
  const ctx = { vcluster: deps.cluster, hostNamespace: deps.hostNamespace, metadataFilter: deps.translate.metadataFilter };
  const want = (kind: 'ConfigMap' | 'Secret', name: string) => ({ kind, vcluster: deps.cluster, hostNamespace: deps.hostNamespace, namespace, name });
  const copy = async (kind: 'ConfigMap' | 'Secret', name: string): Promise<{ exists: boolean; resourceVersion?: string; ownership: Ownership }> => {
    const virtual = kind === 'ConfigMap' ? await readConfigMap(deps.virtual, namespace, name) : await readSecret(deps.virtual, namespace, name);
    if (!virtual) return { exists: false, ownership: await hostNameOwnership(deps.host, kind, hostObjectName(name, namespace, deps.cluster), want(kind, name)) };
    const ownership = kind === 'ConfigMap'
      ? await upsertConfigMap(deps.host, deps.hostNamespace, translateConfigMap(virtual as V1ConfigMap, ctx), want(kind, name))
      : await upsertSecret(deps.host, deps.hostNamespace, translateSecret(virtual as V1Secret, ctx), want(kind, name));
    return { exists: true, resourceVersion: virtual.metadata?.resourceVersion, ownership };
  };
  const all = [...needed.configMaps.map((name) => ['ConfigMap', name] as const), ...needed.secrets.map((name) => ['Secret', name] as const)];
  for (const [kind, name] of all) {
    const mark = copyMark(kind, namespace, name);
    if (copied.has(mark)) continue; // checked and copied by another pod's sync a moment ago
    const { exists, resourceVersion, ownership } = await copy(kind, name);
    if (!ownership.owned) return ownership;
    if (exists) {
      await deps.sharedMarks?.set(mark, resourceVersion ?? '');
    } else {
      missing.push({ kind: kind === 'ConfigMap' ? 'configMap' : 'secret', name });
      await deps.dependencyWaits?.wait(kind, namespace, name, pod);
    }
  }
  return { owned: true };
}

/** What a sync may take as known (shared-marks.ts); `namespaceLabels` undefined when there are no marks to read. */
interface Marks {
  copied: Set<string>;
  serviceLinks?: string;
  namespaceLabels?: { value: string | undefined };
}

/** The shared marks a sync can use, in one command: the namespace's labels, which copies are current, the service links. */
async function readMarks(namespace: string, needed: { configMaps: string[]; secrets: string[] }, deps: WorkerDeps): Promise<Marks> {
  if (!deps.sharedMarks) return { copied: new Set() };
  const copies = [...needed.configMaps.map((n) => copyMark('ConfigMap', namespace, n)), ...needed.secrets.map((n) => copyMark('Secret', namespace, n))];
  const values = await deps.sharedMarks.get([namespaceLabelsMark(namespace), serviceLinksMark(namespace), ...copies]);
  return {
    // Labels only when namespace-labels.ts keeps its copy there too (the same Redis, the runtime's wiring).
    ...(deps.namespaceLabels ? { namespaceLabels: { value: values[0] } } : {}),
    serviceLinks: values[1],
    copied: new Set(copies.filter((_, i) => values[i + 2] !== undefined)),
  };
}
