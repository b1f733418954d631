// sync: the level-triggered heart. Read the virtual pod (the truth) and its host pod, plan the one next step
// (core/plan.ts), apply it, and hand status tracking to `status`. A job is a reason to look, so duplicate,
// late and out-of-order jobs only ever find `nothing` to do; a crash at any line leaves a state that the
// next run plans from afresh.
import type { Job } from 'bullmq';
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../_shared/core/names.js';
import { jobTitle, parseObjectRef, type ObjectRef } from '../../_shared/core/job-refs.js';
import { planPodSync, type PodSyncPlan } from '../../_shared/core/plan.js';
import { translateConfigMap, translateSecret } from '../../_shared/core/translate-pod.js';
import { readConfigMap, readSecret, upsertConfigMap, upsertSecret } from '../../_shared/kube/cluster-objects.js';
import { isAlreadyExists, isConflict } from '../../_shared/kube/kube-errors.js';
import { readNamespaceLabels } from '../../_shared/kube/namespaces.js';
import { createPod, deletePod, patchPodJson, readPod } from '../../_shared/kube/pods.js';
import { enqueueStatus } from '../../_shared/queue/enqueue-status.js';
import { pushReadinessGates } from '../readiness-gates.js';
import { reportToVirtual } from '../report-to-virtual.js';
import type { WorkerDeps } from '../worker-deps.js';
import { observeHostPodCreated, observeVirtualStatusReported } from '../worker-metrics.js';

/** A sync never needs more than a few rounds: a 409 on create means "read again and converge". */
const MAX_ROUNDS = 3;

export async function processSync(job: Job, deps: WorkerDeps): Promise<string> {
  const ref = parseObjectRef(job.data);
  // The dashboard shows a job's log and progress: each step is a timestamped line, some move the bar.
  const note = (msg: string, progress?: number) => Promise.all([job.log(`${deps.now().toISOString()} ${msg}`), progress !== undefined && job.updateProgress(progress)]);
  let outcome = '';
  // The namespace's labels are mirrored onto the host pod: read with the pods, no cache.
  const ctx = { ...deps.translate, namespaceLabels: await readNamespaceLabels(deps.virtual, ref.namespace) };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const [virtualPod, hostPod] = await Promise.all([
      readPod(deps.virtual, ref.namespace, ref.name),
      readPod(deps.host, deps.hostNamespace, hostPodName(ref.name, ref.namespace, deps.cluster)),
    ]);
    const plan = planPodSync({ virtualPod, hostPod, ctx, now: deps.now() });
    const done = await applyPlan(plan, ref, virtualPod, deps, note);
    if (done && (await pushReadinessGates(plan.type, virtualPod, hostPod, deps)) > 0) await note('readiness-gate conditions carried to the host pod');
    outcome = plan.type === 'nothing' ? `nothing (${plan.reason})` : plan.type;
    if (done) break;
  }
  return outcome;
}

/** Applies one plan; false when the world moved under us and the job should read and plan again. */
async function applyPlan(plan: PodSyncPlan, ref: ObjectRef, virtualPod: V1Pod | undefined, deps: WorkerDeps, note: (m: string, progress?: number) => Promise<unknown>): Promise<boolean> {
  switch (plan.type) {
    case 'nothing':
      await note(`nothing to do (${plan.reason})`, 100);
      return true;
    case 'create-host':
    case 'recreate-or-reflect':
      if (plan.type === 'recreate-or-reflect' && plan.decision === 'reflect') {
        if (plan.report) await reportToVirtual(plan.virtual, plan.report, deps);
        await deletePod(deps.virtual, plan.virtual.namespace, plan.virtual.name, { gracePeriodSeconds: plan.gracePeriodSeconds, uid: plan.virtual.uid });
        await note(`virtual pod deleted (grace ${plan.gracePeriodSeconds} s): ${plan.message}`);
        // A graceful delete leaves the virtual pod Terminating: follow it, so it is finalized once the host
        // pod is gone (our own writes are not audited, so no event would bring us back).
        if (plan.gracePeriodSeconds > 0) await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
        return true;
      }
      await ensureDependencies(ref.namespace, plan.dependencies, deps, ref.name);
      await note(`translated to host pod ${deps.hostNamespace}/${plan.hostPod.metadata?.name}${plan.dependencies.configMaps.length + plan.dependencies.secrets.length > 0 ? ` (copied ${plan.dependencies.configMaps.length} configmaps, ${plan.dependencies.secrets.length} secrets)` : ''}`, 30);
      try {
        await createPod(deps.host, deps.hostNamespace, plan.hostPod);
      } catch (err) {
        if (isAlreadyExists(err)) return false; // another run created it: read it and converge
        throw err;
      }
      await note(`host pod ${deps.hostNamespace}/${plan.hostPod.metadata?.name} created`, 70);
      if (plan.type === 'create-host') observeHostPodCreated(deps, virtualPod);
      await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      await note(`scheduling and readiness are followed by job "${jobTitle('status', ref)}"`, 100);
      return true;
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
      if (plan.report) await reportToVirtual({ namespace: ref.namespace, name: ref.name, uid: virtualPod?.metadata?.uid }, plan.report, deps);
      await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      return true;
    case 'report-status':
      await reportToVirtual(plan.virtual, plan.report, deps);
      observeVirtualStatusReported(deps, virtualPod, plan.report.status);
      await note(`virtual pod status patched: phase ${plan.report.status.phase ?? '?'}`, 100);
      await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      return true;
    case 'delete-host':
      await deletePod(deps.host, plan.host.namespace, plan.host.name, {
        ...(plan.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: plan.gracePeriodSeconds } : {}),
        uid: plan.host.uid,
      });
      await note(`host pod deleted (${plan.reason}${plan.gracePeriodSeconds !== undefined ? `, grace ${plan.gracePeriodSeconds} s` : ''})`);
      // Follow the host pod until it is gone, so the virtual pod is finalized then.
      if (virtualPod) await enqueueStatus(deps.queues.status, ref, deps.now(), deps.statusPoll.firstMs);
      return true;
    case 'finalize-virtual':
      await deletePod(deps.virtual, plan.virtual.namespace, plan.virtual.name, { gracePeriodSeconds: 0, uid: plan.virtual.uid });
      await note('host pod gone: virtual pod finalized');
      return true;
  }
}

/** Copies the configmaps and secrets the pod mounts into the host namespace; a missing one is left missing
 * (the host kubelet reports FailedMount, exactly what the user would see without a syncer), and the pod is
 * recorded as waiting for it, so creating it later copies it then (processors/dependency.ts). */
async function ensureDependencies(namespace: string, needed: { configMaps: string[]; secrets: string[] }, deps: WorkerDeps, pod: string): Promise<void> {
  const ctx = { vcluster: deps.cluster, hostNamespace: deps.hostNamespace };
  for (const name of needed.configMaps) {
    const virtual = await readConfigMap(deps.virtual, namespace, name);
    if (virtual) await upsertConfigMap(deps.host, deps.hostNamespace, translateConfigMap(virtual, ctx));
    else await deps.dependencyWaits?.wait('ConfigMap', namespace, name, pod);
  }
  for (const name of needed.secrets) {
    const virtual = await readSecret(deps.virtual, namespace, name);
    if (virtual) await upsertSecret(deps.host, deps.hostNamespace, translateSecret(virtual, ctx));
    else await deps.dependencyWaits?.wait('Secret', namespace, name, pod);
  }
}
