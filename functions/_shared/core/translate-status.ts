import type { V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

// Host status carried back to the virtual pod (vCluster's DesiredVirtualStatus, facts 4.2).

/** The status fields podferry owns on the virtual side; statusDiffers looks at these only. */
export const MANAGED_STATUS_FIELDS = [
  'phase', 'conditions', 'message', 'reason', 'hostIP', 'hostIPs', 'podIP', 'podIPs', 'startTime',
  'initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses', 'qosClass', 'resize',
] as const satisfies ReadonlyArray<keyof V1PodStatus>;

function withoutObservedGeneration(c: V1PodCondition): V1PodCondition {
  const { observedGeneration: _drop, ...rest } = c;
  return rest;
}

/**
 * The virtual status for a host pod. Copied: phase, conditions, reason, message, host and pod IPs,
 * startTime, qosClass, container/init/ephemeral statuses, resize. Dropped: nominatedNodeName (a host
 * scheduling detail), observedGeneration (it counts host generations, not virtual ones),
 * resourceClaimStatuses (claims are not synced).
 * With the virtual pod: qosClass keeps the virtual value (immutable since 1.32, and may legitimately
 * differ), container statuses are limited to containers the virtual spec declares (host-injected sidecars
 * stay hidden), and readiness-gate conditions the virtual side set and the host lacks are kept.
 */
export function translateStatus(hostPod: V1Pod, virtualPod?: V1Pod): V1PodStatus {
  const host = structuredClone(hostPod.status ?? {});
  const out: V1PodStatus = {};
  for (const key of MANAGED_STATUS_FIELDS) {
    if (host[key] !== undefined && host[key] !== null) (out as Record<string, unknown>)[key] = host[key];
  }
  if (out.conditions) out.conditions = out.conditions.map(withoutObservedGeneration);
  if (!virtualPod) return out;

  const vStatus = virtualPod.status ?? {};
  if (vStatus.qosClass) out.qosClass = vStatus.qosClass;
  const names = (list: Array<{ name: string }> | undefined) => new Set((list ?? []).map((c) => c.name));
  const filters = [
    ['containerStatuses', names(virtualPod.spec?.containers)],
    ['initContainerStatuses', names(virtualPod.spec?.initContainers)],
    ['ephemeralContainerStatuses', names(virtualPod.spec?.ephemeralContainers)],
  ] as const;
  for (const [key, allowed] of filters) {
    if (out[key]) out[key] = out[key]!.filter((s) => allowed.has(s.name));
  }
  const gates = new Set((virtualPod.spec?.readinessGates ?? []).map((g) => g.conditionType));
  const hostTypes = new Set((out.conditions ?? []).map((c) => c.type));
  const kept = (vStatus.conditions ?? []).filter((c) => gates.has(c.type) && !hostTypes.has(c.type));
  if (kept.length > 0) out.conditions = [...(out.conditions ?? []), ...kept];
  return out;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

// Pod status timestamps are metav1.Time, serialised at whole seconds: a Date carrying milliseconds and
// the same instant read back from an API server must compare equal, or every report would repeat.
const toSecond = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** A canonical form: keys sorted, undefined/null dropped, timestamps (Date or string) at whole seconds. */
export function canonical(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : toSecond(value);
  if (typeof value === 'string' && RFC3339.test(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : toSecond(d);
  }
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && v !== null) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * True when patching `desired` would change something: compares the managed fields only, ignoring key
 * order, undefined versus absent, and Date versus RFC 3339 string, so no-op patches are skipped. Fields the
 * virtual API server sets itself (observedGeneration...) do not count.
 */
export function statusDiffers(current: V1PodStatus | undefined, desired: V1PodStatus): boolean {
  const pick = (s: V1PodStatus | undefined) => Object.fromEntries(MANAGED_STATUS_FIELDS.map((k) => [k, s?.[k]]));
  return !semanticEqual(pick(current), pick(desired));
}

export function isPodReady(pod: V1Pod | undefined): boolean {
  return (pod?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Every ephemeral container (kubectl debug) has started or ended on the host: until then a Ready pod is still
 * worth following, since kubectl debug waits for that state to appear in the virtual pod.
 */
export function ephemeralContainersSettled(pod: V1Pod | undefined): boolean {
  const statuses = pod?.status?.ephemeralContainerStatuses ?? [];
  return (pod?.spec?.ephemeralContainers ?? []).every((c) => {
    const state = statuses.find((s) => s.name === c.name)?.state;
    return Boolean(state?.running || state?.terminated);
  });
}

export function isPodFinished(pod: V1Pod | undefined): boolean {
  const phase = pod?.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * A JSON merge patch body for the status subresource: the managed fields that differ, desired's value,
 * or null for a field the current status has and desired lacks (a merge patch leaves absent fields alone).
 * Empty when nothing differs.
 */
export function statusMergePatch(current: V1PodStatus | undefined, desired: V1PodStatus): { status: Record<string, unknown> } {
  const status: Record<string, unknown> = {};
  const present = (v: unknown) => v !== undefined && v !== null;
  for (const key of MANAGED_STATUS_FIELDS) {
    if (semanticEqual(current?.[key], desired[key])) continue;
    if (present(desired[key])) status[key] = desired[key];
    else if (present(current?.[key])) status[key] = null;
  }
  return { status };
}
