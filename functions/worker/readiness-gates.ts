// Carries readiness-gate conditions a virtual controller set on the virtual pod to the host pod's status,
// where the host kubelet reads them to decide Ready (core/readiness-gates.ts). Called by `sync`, which the
// virtual status change reaches through audit; the host's resulting readiness comes back with the watch.
import type { V1Pod } from '@kubernetes/client-node';
import type { PodSyncPlan } from '../_shared/core/plan.js';
import { checkOwnership } from '../_shared/core/ownership.js';
import { readinessGateConditions, readinessGatePatch } from '../_shared/core/readiness-gates.js';
import { patchPodStatusStrategic } from '../_shared/kube/pods.js';
import type { WorkerDeps } from './worker-deps.js';

/** Plans after which the host pod read before them still stands (not created, deleted or replaced). */
const HOST_POD_STANDS: ReadonlySet<PodSyncPlan['type']> = new Set(['nothing', 'report-status', 'converge-host']);

export async function pushReadinessGates(plan: PodSyncPlan['type'], virtualPod: V1Pod | undefined, hostPod: V1Pod | undefined, deps: WorkerDeps): Promise<number> {
  if (!HOST_POD_STANDS.has(plan) || !virtualPod || !hostPod || hostPod.metadata?.deletionTimestamp) return 0;
  // Like every host write: only to the host pod whose provenance names exactly this virtual pod.
  const want = { kind: 'Pod' as const, vcluster: deps.cluster, hostNamespace: deps.hostNamespace, namespace: virtualPod.metadata?.namespace ?? '', name: virtualPod.metadata?.name ?? '' };
  if (!checkOwnership(hostPod.metadata, want).owned) return 0;
  const conditions = readinessGateConditions(virtualPod, hostPod);
  if (conditions.length === 0) return 0;
  await patchPodStatusStrategic(deps.host, deps.hostNamespace, hostPod.metadata!.name!, readinessGatePatch(conditions, hostPod.metadata?.uid));
  return conditions.length;
}
