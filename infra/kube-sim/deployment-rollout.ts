// The arithmetic of the Deployment controller as pure functions (k8s pkg/controller/deployment/util,
// rolling.go, sync.go): surge and unavailability budgets, how far the new ReplicaSet may grow, how far the
// old ones may shrink given how many pods are AVAILABLE, proportional scaling, the status and its
// Available/Progressing conditions. Counts come from the ReplicaSets' spec and status only.
import type { KubeObject } from './types.js';
import { specOf, statusOf } from './workload-pods.js';

type Obj = Record<string, any>;

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';

export const replicasOf = (o: KubeObject | undefined) => (o ? (specOf(o).replicas ?? 1) : 0);
const sum = (list: Array<KubeObject | undefined>, f: (o: KubeObject) => number) => list.reduce((n, o) => n + (o ? f(o) : 0), 0);
export const specReplicas = (list: Array<KubeObject | undefined>) => sum(list, (o) => specOf(o).replicas ?? 0);
export const actualReplicas = (list: Array<KubeObject | undefined>) => sum(list, (o) => statusOf(o).replicas ?? 0);
export const readyReplicas = (list: Array<KubeObject | undefined>) => sum(list, (o) => statusOf(o).readyReplicas ?? 0);
export const availableReplicas = (list: Array<KubeObject | undefined>) => sum(list, (o) => statusOf(o).availableReplicas ?? 0);
export const isActive = (rs: KubeObject | undefined): rs is KubeObject => !!rs && (specOf(rs).replicas ?? 0) > 0;

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) {
    const x = (Number.parseInt(v, 10) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return 0;
}

/** ResolveFenceposts: surge rounds up, unavailability down; both 0 means one may be unavailable. */
export function fenceposts(d: KubeObject): { maxSurge: number; maxUnavailable: number } {
  const ru = (specOf(d).strategy?.rollingUpdate ?? {}) as Obj;
  const replicas = replicasOf(d);
  const maxSurge = scaled(ru.maxSurge, replicas, true);
  let maxUnavailable = scaled(ru.maxUnavailable, replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

const isRolling = (d: KubeObject) => specOf(d).strategy?.type !== 'Recreate';

export function maxSurge(d: KubeObject): number {
  return isRolling(d) ? fenceposts(d).maxSurge : 0;
}

export function maxUnavailable(d: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).maxUnavailable, replicas);
}

/** NewRSNewReplicas: the new ReplicaSet grows while all ReplicaSets together stay within replicas + maxSurge. */
export function newRSNewReplicas(d: KubeObject, all: KubeObject[], newRS: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRolling(d)) return replicas;
  const current = specReplicas(all);
  const maxTotal = replicas + maxSurge(d);
  const own = specOf(newRS).replicas ?? 0;
  if (current >= maxTotal) return own;
  return own + Math.min(maxTotal - current, replicas - own);
}

const created = (rs: KubeObject) => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
const byCreation = (a: KubeObject, b: KubeObject) => created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);

/**
 * reconcileOldReplicaSets: the new spec.replicas of each old ReplicaSet this step. First the unhealthy
 * (unavailable) replicas go, then available ones, never taking availability below replicas - maxUnavailable.
 */
export function oldScaleDowns(d: KubeObject, oldRSs: KubeObject[], newRS: KubeObject | undefined): Map<KubeObject, number> {
  const plan = new Map<KubeObject, number>();
  const old = oldRSs.filter(isActive).sort(byCreation);
  if (specReplicas(old) === 0) return plan;
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = newRS ? (specOf(newRS).replicas ?? 0) - (statusOf(newRS).availableReplicas ?? 0) : 0;
  const size = (rs: KubeObject) => plan.get(rs) ?? specOf(rs).replicas ?? 0;
  const maxScaledDown = specReplicas([...old, newRS]) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return plan;
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = size(rs) - (statusOf(rs).availableReplicas ?? 0);
    if (size(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    plan.set(rs, size(rs) - n);
    cleaned += n;
  }
  const available = availableReplicas([...old, newRS]);
  if (available <= minAvailable) return plan;
  let scaledDown = 0;
  const budget = available - minAvailable;
  for (const rs of old) {
    if (scaledDown >= budget) break;
    if (size(rs) === 0) continue;
    const n = Math.min(size(rs), budget - scaledDown);
    plan.set(rs, size(rs) - n);
    scaledDown += n;
  }
  return plan;
}

/** GetReplicaSetProportion: an active ReplicaSet's share of a change in the deployment's size. */
function proportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number): number {
  const size = specOf(rs).replicas ?? 0;
  if (size === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -size;
  else {
    const annotated = Number.parseInt(rs.metadata.annotations?.[MAX_REPLICAS] ?? '', 10);
    const base = Number.isNaN(annotated) ? (statusOf(d).replicas ?? 0) : annotated;
    fraction = base ? Math.round((size * (replicasOf(d) + maxSurge(d))) / base) - size : 0;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** The proportional part of `scale`: the new size of every active ReplicaSet when several share the pods. */
export function proportionalSizes(d: KubeObject, active: KubeObject[]): { sizes: Map<KubeObject, number>; direction: 'up' | 'down' | '' } {
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(active);
  const sizeOf = (rs: KubeObject) => specOf(rs).replicas ?? 0;
  // Larger first; among equals, newer first when growing and older first when shrinking.
  const sorted = [...active].sort((a, b) => sizeOf(b) - sizeOf(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  const sizes = new Map<KubeObject, number>();
  let added = 0;
  for (const rs of sorted) {
    const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
    sizes.set(rs, sizeOf(rs) + p);
    added += p;
  }
  if (sorted.length && toAdd !== 0) sizes.set(sorted[0], Math.max(0, sizes.get(sorted[0])! + toAdd - added));
  return { sizes, direction: toAdd > 0 ? 'up' : toAdd < 0 ? 'down' : '' };
}

export interface Condition { type: string; status: string; lastUpdateTime: string; lastTransitionTime: string; reason: string; message: string }

export const conditionOf = (status: Obj, type: string): Condition | undefined => ((status.conditions ?? []) as Condition[]).find((c) => c.type === type);

/** SetDeploymentCondition: same status and reason is no change; a status flip moves lastTransitionTime. */
export function setCondition(status: Obj, c: Condition): void {
  const current = conditionOf(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = current && current.status === c.status ? { ...c, lastTransitionTime: current.lastTransitionTime } : c;
  status.conditions = [...((status.conditions ?? []) as Condition[]).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: Obj, type: string): void {
  const rest = ((status.conditions ?? []) as Condition[]).filter((x) => x.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

export const condition = (type: string, status: string, reason: string, message: string, now: string): Condition =>
  ({ type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message });

/** calculateStatus: counts summed over the ReplicaSets, zeros omitted as the API's omitempty does. */
export function calculateStatus(d: KubeObject, all: KubeObject[], newRS: KubeObject | undefined, now: string): Obj {
  const available = availableReplicas(all);
  const fields: Obj = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicas(all),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(all),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(all) - available),
    collisionCount: statusOf(d).collisionCount,
  };
  const status: Obj = {};
  for (const [k, v] of Object.entries(fields)) if (v) status[k] = v;
  if (statusOf(d).conditions) status.conditions = structuredClone(statusOf(d).conditions);
  if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  else setCondition(status, condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
  return status;
}

/** DeploymentComplete: every replica updated and available, and the latest spec observed. */
export function isComplete(d: KubeObject, status: Obj): boolean {
  const r = replicasOf(d);
  return (status.updatedReplicas ?? 0) === r && (status.replicas ?? 0) === r && (status.availableReplicas ?? 0) === r && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than last recorded. */
export function isProgressing(d: KubeObject, status: Obj): boolean {
  const old = statusOf(d);
  const oldOnes = (s: Obj) => (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || oldOnes(status) < oldOnes(old)
    || (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

export const hasProgressDeadline = (d: KubeObject) => typeof specOf(d).progressDeadlineSeconds === 'number' && specOf(d).progressDeadlineSeconds !== 2147483647;

/** DeploymentTimedOut: the Progressing condition's lastUpdateTime is older than the deadline. */
export function isTimedOut(d: KubeObject, status: Obj, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = conditionOf(status, 'Progressing');
  if (!c || c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  return Date.parse(c.lastUpdateTime) + specOf(d).progressDeadlineSeconds * 1000 < now.getTime();
}
