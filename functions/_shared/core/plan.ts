import type { V1EphemeralContainer, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { hostPodDiff, type JsonPatchOp } from './host-pod-diff.js';
import { checkOwnership } from './ownership.js';
import { DEFAULT_POD_POLICY, evaluatePodPolicy, type PodPolicy, type PolicyViolation } from './policy.js';
import { OBJECT_UID_ANNOTATION, isControlledElsewhere } from './provenance.js';
import { podDependencies, translateEphemeralContainers, translatePod, type TranslateContext } from './translate-pod.js';
import { isPodFinished, statusDiffers, statusMergePatch, translateStatus } from './translate-status.js';

export { hostPodDiff } from './host-pod-diff.js';
export type { HostPodDiff, JsonPatchOp } from './host-pod-diff.js';

// The level-triggered heart of the worker: from the current state of both sides, the one next step.
// A job reads both pods, plans, applies the plan, and (when the plan is not `nothing`) plans again from
// fresh reads; every step is idempotent, so a repeated or stale job only ever finds `nothing` to do.

type Target = { namespace: string; name: string; uid?: string };

/**
 * What to write to the virtual pod's status subresource (and the node to bind it to, if not bound), with the
 * resourceVersions it was computed from: the host pod's (a report older than one already applied is dropped)
 * and the virtual pod's (the patch's precondition, so no report lands on a pod that changed since).
 */
export type StatusReport = {
  status: V1PodStatus;
  patch: { status: Record<string, unknown> };
  nodeName?: string;
  hostResourceVersion?: string;
  virtualResourceVersion?: string;
};

export type NothingReason =
  | 'in-sync' | 'both-gone' | 'not-managed' | 'controlled-elsewhere'
  | 'host-terminating' | 'waiting-for-host-delete' | 'virtual-finished';

export type PodSyncPlan =
  | { type: 'create-host'; hostPod: V1Pod; dependencies: { configMaps: string[]; secrets: string[] } }
  | { type: 'converge-host'; host: Target; changes: string[]; patch: JsonPatchOp[]; ephemeralContainersToAdd: V1EphemeralContainer[]; report?: StatusReport }
  | { type: 'report-status'; virtual: Target; report: StatusReport }
  | { type: 'delete-host'; host: Target; gracePeriodSeconds?: number; reason: 'virtual-deleting' | 'orphaned' | 'uid-mismatch' | 'stuck-terminating' }
  | { type: 'finalize-virtual'; virtual: Target; gracePeriodSeconds: 0 }
  | { type: 'recreate-or-reflect'; decision: 'recreate'; hostPod: V1Pod; dependencies: { configMaps: string[]; secrets: string[] }; message: string }
  | { type: 'recreate-or-reflect'; decision: 'reflect'; virtual: Target; gracePeriodSeconds: number; report?: StatusReport; message: string }
  | { type: 'refuse-host'; virtual: Target; reason: string; violations: PolicyViolation[]; report?: StatusReport }
  | { type: 'conflict'; virtual: Target; message: string }
  | { type: 'nothing'; reason: NothingReason };

export type PodSyncInput = {
  virtualPod?: V1Pod;
  hostPod?: V1Pod;
  /** The virtual pod the job is about; needed to prove a host-only pod is ours (default: from virtualPod). */
  ref?: { namespace: string; name: string };
  ctx: TranslateContext;
  /** The host policy every host write must pass; default: baseline with no exceptions. */
  policy?: PodPolicy;
  now: Date;
  /**
   * The host pod is a snapshot without its spec (queue/host-pod-state.ts) or the caller only reports status
   * (`status` jobs): the spec comparison is skipped, so the plan never asks to converge it; virtual-side spec
   * changes reach `sync` through admission and audit anyway.
   */
  statusOnly?: boolean;
};

/** A host pod still terminating this long after its deadline is force-deleted (its node is gone). */
export const STUCK_TERMINATING_MS = 5 * 60 * 1000;
const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

function target(pod: V1Pod): Target {
  const m = pod.metadata ?? {};
  return { namespace: m.namespace ?? '', name: m.name ?? '', ...(m.uid ? { uid: m.uid } : {}) };
}

function isDeleting(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

function statusReport(virtualPod: V1Pod, hostPod: V1Pod): StatusReport | undefined {
  const status = translateStatus(hostPod, virtualPod);
  const hostNode = hostPod.spec?.nodeName;
  const bind = hostNode && !virtualPod.spec?.nodeName ? hostNode : undefined;
  if (!statusDiffers(virtualPod.status, status) && !bind) return undefined;
  const hostRv = hostPod.metadata?.resourceVersion;
  const virtualRv = virtualPod.metadata?.resourceVersion;
  return {
    status, patch: statusMergePatch(virtualPod.status, status), ...(bind ? { nodeName: bind } : {}),
    ...(hostRv ? { hostResourceVersion: hostRv } : {}), ...(virtualRv ? { virtualResourceVersion: virtualRv } : {}),
  };
}

function owns(hostPod: V1Pod, ref: { namespace: string; name: string }, ctx: TranslateContext) {
  return checkOwnership(hostPod.metadata, { kind: 'Pod', vcluster: ctx.vcluster, hostNamespace: ctx.hostNamespace, ...ref });
}

/** The host policy's verdict on the virtual pod, as a refusal plan; undefined when it may run. */
function refusal(virtualPod: V1Pod, policy: PodPolicy, report?: StatusReport): PodSyncPlan | undefined {
  const verdict = evaluatePodPolicy(virtualPod, policy);
  if (verdict.allowed) return undefined;
  return { type: 'refuse-host', virtual: target(virtualPod), reason: verdict.reason, violations: verdict.violations, ...(report ? { report } : {}) };
}

function hostOnly(hostPod: V1Pod, ref: { namespace: string; name: string } | undefined, ctx: TranslateContext): PodSyncPlan {
  if (isControlledElsewhere(hostPod.metadata)) return { type: 'nothing', reason: 'controlled-elsewhere' };
  // Without the ref the job is about, nothing proves the host pod is ours to delete.
  if (!ref || !owns(hostPod, ref, ctx).owned) return { type: 'nothing', reason: 'not-managed' };
  if (isDeleting(hostPod)) return { type: 'nothing', reason: 'host-terminating' };
  return { type: 'delete-host', host: target(hostPod), reason: 'orphaned' };
}

/**
 * The host pod is missing. Never synced: create it. Synced but never bound or started (it only has
 * conditions we reported): recreate it, nothing ran. Once bound or started, vCluster's rule (PR #525)
 * applies: the virtual pod is force-deleted so its controller replaces it, rather than silently
 * re-running it on another node. A finished virtual pod is left alone: it is a record (Job history).
 */
function virtualOnly(virtualPod: V1Pod, ctx: TranslateContext, policy: PodPolicy): PodSyncPlan {
  if (isDeleting(virtualPod)) return { type: 'finalize-virtual', virtual: target(virtualPod), gracePeriodSeconds: 0 };
  if (isPodFinished(virtualPod)) return { type: 'nothing', reason: 'virtual-finished' };
  // Conditions on the virtual pod only come from our status reports, so they prove an earlier sync; a
  // nodeName alone does not (a user may preset it), but with conditions it is our binding.
  const synced = (virtualPod.status?.conditions ?? []).length > 0;
  const started = Boolean(virtualPod.status?.startTime) || (synced && Boolean(virtualPod.spec?.nodeName));
  if (started) {
    return {
      type: 'recreate-or-reflect', decision: 'reflect', virtual: target(virtualPod), gracePeriodSeconds: 0,
      message: 'the host pod disappeared after it was scheduled; the virtual pod is deleted so that its controller can replace it',
    };
  }
  const refused = refusal(virtualPod, policy);
  if (refused) return refused;
  const hostPod = translatePod(virtualPod, ctx);
  const dependencies = podDependencies(virtualPod, ctx);
  if (synced) {
    return { type: 'recreate-or-reflect', decision: 'recreate', hostPod, dependencies, message: 'the host pod disappeared before it started; it is created again' };
  }
  return { type: 'create-host', hostPod, dependencies };
}

function both(virtualPod: V1Pod, hostPod: V1Pod, ctx: TranslateContext, policy: PodPolicy, now: Date, statusOnly: boolean): PodSyncPlan {
  const virtual = target(virtualPod);
  const ownership = owns(hostPod, virtual, ctx);
  if (!ownership.owned) return { type: 'conflict', virtual, message: ownership.conflict };
  const hostUid = hostPod.metadata?.annotations?.[OBJECT_UID_ANNOTATION];
  const virtualUid = virtualPod.metadata?.uid;
  if (hostUid && virtualUid && hostUid !== virtualUid) {
    // A virtual pod re-created under the same name (StatefulSet web-0): the old host pod goes first.
    if (isDeleting(hostPod)) return { type: 'nothing', reason: 'waiting-for-host-delete' };
    return { type: 'delete-host', host: target(hostPod), reason: 'uid-mismatch' };
  }
  if (isDeleting(virtualPod)) {
    if (!isDeleting(hostPod)) {
      const grace = virtualPod.metadata?.deletionGracePeriodSeconds;
      return { type: 'delete-host', host: target(hostPod), reason: 'virtual-deleting', ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) };
    }
    const deadline = new Date(hostPod.metadata!.deletionTimestamp!).getTime();
    if (now.getTime() - deadline > STUCK_TERMINATING_MS) {
      return { type: 'delete-host', host: target(hostPod), reason: 'stuck-terminating', gracePeriodSeconds: 0 };
    }
    const report = statusReport(virtualPod, hostPod);
    return report ? { type: 'report-status', virtual: target(virtualPod), report } : { type: 'nothing', reason: 'waiting-for-host-delete' };
  }
  if (isDeleting(hostPod)) {
    // Evicted, drained or deleted on the host: the virtual pod follows with its own grace period,
    // and carries the last status so controllers waiting for Succeeded/Failed can finish.
    const report = statusReport(virtualPod, hostPod);
    return {
      type: 'recreate-or-reflect', decision: 'reflect', virtual: target(virtualPod),
      gracePeriodSeconds: virtualPod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS,
      ...(report ? { report } : {}),
      message: 'the host pod is being deleted on the host (eviction, drain or manual delete); the virtual pod is deleted too',
    };
  }
  const report = statusReport(virtualPod, hostPod);
  if (statusOnly) return report ? { type: 'report-status', virtual: target(virtualPod), report } : { type: 'nothing', reason: 'in-sync' };
  const desired = translatePod(virtualPod, ctx);
  if (ctx.syncEphemeralContainers) desired.spec!.ephemeralContainers = translateEphemeralContainers(virtualPod, ctx);
  const diff = hostPodDiff(desired, hostPod);
  // A change is written only if the pod passes the policy now; the running host pod stays as it was.
  if (diff) return refusal(virtualPod, policy, report) ?? { type: 'converge-host', host: target(hostPod), ...diff, ...(report ? { report } : {}) };
  if (report) return { type: 'report-status', virtual: target(virtualPod), report };
  return { type: 'nothing', reason: 'in-sync' };
}

export function planPodSync(input: PodSyncInput): PodSyncPlan {
  const { virtualPod, hostPod, ctx, now, statusOnly = false } = input;
  const policy = input.policy ?? DEFAULT_POD_POLICY;
  if (virtualPod && isControlledElsewhere(virtualPod.metadata)) return { type: 'nothing', reason: 'controlled-elsewhere' };
  if (!virtualPod && !hostPod) return { type: 'nothing', reason: 'both-gone' };
  if (!virtualPod) return hostOnly(hostPod!, input.ref, ctx);
  if (!hostPod) return virtualOnly(virtualPod, ctx, policy);
  if (isControlledElsewhere(hostPod.metadata)) return { type: 'nothing', reason: 'controlled-elsewhere' };
  return both(virtualPod, hostPod, ctx, policy, now, statusOnly);
}
