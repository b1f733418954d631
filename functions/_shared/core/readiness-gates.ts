import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { semanticEqual } from './translate-status.js';

// Readiness gates (spec.readinessGates): a controller in the virtual cluster sets a condition on the
// virtual pod's status, and the pod is Ready only once the kubelet sees it True. The kubelet that decides
// is the host's, so the condition is carried to the host pod's status (vCluster: status.conditions is
// bidirectional for these, issue #619); the host's own conditions keep flowing back as before.

/** The gate conditions the virtual pod has and the host pod lacks or shows differently; empty when agreed. */
export function readinessGateConditions(virtualPod: V1Pod | undefined, hostPod: V1Pod | undefined): V1PodCondition[] {
  if (!virtualPod || !hostPod) return [];
  const gates = new Set((virtualPod.spec?.readinessGates ?? []).map((g) => g.conditionType));
  if (gates.size === 0) return [];
  const hostConditions = hostPod.status?.conditions ?? [];
  const pick = (c: V1PodCondition) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message });
  return (virtualPod.status?.conditions ?? []).filter((c) => {
    if (!gates.has(c.type)) return false;
    const host = hostConditions.find((h) => h.type === c.type);
    return !host || !semanticEqual(pick(host), pick(c));
  });
}

/** A strategic merge patch for the host pod's status: conditions merge by type, the others are untouched. */
export function readinessGatePatch(conditions: readonly V1PodCondition[], hostUid?: string): Record<string, unknown> {
  return {
    ...(hostUid ? { metadata: { uid: hostUid } } : {}),
    status: { conditions: conditions.map((c) => ({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}), lastTransitionTime: c.lastTransitionTime ?? new Date(0).toISOString() })) },
  };
}
