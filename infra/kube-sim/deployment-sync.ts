// One sync of a Deployment (k8s pkg/controller/deployment sync.go): finding or creating the new ReplicaSet
// with its revision, resizing ReplicaSets with the ScalingReplicaSet event, proportional scaling, history
// cleanup and the rollout status. Each write carries the resourceVersion the sync last wrote, so a sync
// that raced with another writer fails with a conflict and is retried from fresh state.
import {
  DESIRED_REPLICAS, MAX_REPLICAS, POD_TEMPLATE_HASH, REVISION, REVISION_HISTORY, calculateStatus, condition, conditionOf,
  hasProgressDeadline, isActive, isComplete, isProgressing, isTimedOut, maxSurge, newRSNewReplicas,
  proportionalSizes, removeCondition, replicasOf, setCondition,
} from './deployment-rollout.js';
import { isKubeError } from './errors.js';
import { controllerRefOf, type ObjectCache } from './object-cache.js';
import { same } from './pod-lifecycle.js';
import { deployments, replicaSets } from './resources.js';
import { recordEvent } from './sim-events.js';
import type { Api, KubeObject } from './types.js';
import { deepEqual } from './validation.js';
import { controllerWrite, ownerReference, specOf, statusOf, templateHash } from './workload-pods.js';

export const WRITE = controllerWrite('deployment-controller');
const COMPONENT = 'deployment-controller';
const SKIP_COPY = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, 'deprecated.deployment.rollback.to']);

type Obj = Record<string, any>;
export const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const revisionOf = (rs: KubeObject | undefined) => Number.parseInt(rs?.metadata.annotations?.[REVISION] ?? '', 10) || 0;

/** EqualIgnoreHash: the templates match once the pod-template-hash label is set aside. */
function sameTemplate(a: Obj | undefined, b: Obj | undefined): boolean {
  const strip = (t: Obj | undefined) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH];
    if (c.metadata?.labels && Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    return c;
  };
  // A typed server cannot tell `creationTimestamp: null` from an absent one; neither may this comparison.
  return same(strip(a), strip(b));
}

/** One sync's view: the Deployment as this sync last wrote it, so each write carries the current resourceVersion. */
export class DeploymentSync {
  constructor(private readonly api: Api, private readonly replicaSetCache: ObjectCache, private readonly now: () => Date, public d: KubeObject, public rsList: KubeObject[]) {}

  async writeStatus(status: Obj): Promise<void> {
    if (deepEqual(status, this.d.status)) return;
    this.d = await this.api.update(deployments, this.d.metadata.namespace, this.d.metadata.name!, { ...this.d, status } as KubeObject, WRITE, 'status');
  }

  /** SetDeploymentRevision. The real controller writes it through UpdateStatus; here the status subresource keeps metadata, so it is a patch. */
  async setRevision(revision: number): Promise<void> {
    if (this.d.metadata.annotations?.[REVISION] === String(revision)) return;
    const status = this.d.status;
    this.d = (await this.api.patch(deployments, this.d.metadata.namespace, this.d.metadata.name!, 'merge',
      { metadata: { resourceVersion: this.d.metadata.resourceVersion, annotations: { [REVISION]: String(revision) } } }, WRITE)).object;
    this.d = { ...this.d, status };
  }

  async scaleRS(rs: KubeObject, size: number, direction?: string): Promise<KubeObject> {
    const d = this.d;
    const annotations = { ...(rs.metadata.annotations ?? {}), [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + maxSurge(d)) };
    const from = specOf(rs).replicas ?? 0;
    if (from === size && deepEqual(annotations, rs.metadata.annotations ?? {})) return rs;
    const updated = await this.api.update(replicaSets, rs.metadata.namespace, rs.metadata.name!, { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...specOf(rs), replicas: size } } as KubeObject, WRITE);
    if (from !== size) {
      await recordEvent(this.api, WRITE, d, { reason: 'ScalingReplicaSet', message: `Scaled ${direction ?? (size > from ? 'up' : 'down')} replica set ${rs.metadata.name} from ${from} to ${size}`, component: COMPONENT }, this.now());
    }
    this.rsList = this.rsList.map((x) => (x.metadata.uid === updated.metadata.uid ? updated : x));
    return updated;
  }

  split(): { newRS: KubeObject | undefined; oldRSs: KubeObject[] } {
    const template = specOf(this.d).template;
    const newRS = [...this.rsList].sort((a, b) => (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0))
      .find((rs) => sameTemplate(specOf(rs).template, template));
    return { newRS, oldRSs: this.rsList.filter((rs) => rs !== newRS) };
  }

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet found (its revision bumped past the old ones) or created. */
  async newReplicaSet(create: boolean): Promise<{ newRS: KubeObject | undefined; oldRSs: KubeObject[] }> {
    const { newRS: existing, oldRSs } = this.split();
    const d = this.d;
    const revision = Math.max(0, ...oldRSs.map(revisionOf)) + 1;
    const t = stamp(this.now());
    if (existing) {
      const annotations = { ...(existing.metadata.annotations ?? {}) };
      for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_COPY.has(k)) annotations[k] = v;
      const old = revisionOf(existing);
      if (old < revision) {
        annotations[REVISION] = String(revision);
        if (old) annotations[REVISION_HISTORY] = [annotations[REVISION_HISTORY], String(old)].filter(Boolean).join(',');
      }
      let rs = existing;
      if (!deepEqual(annotations, existing.metadata.annotations ?? {}) || (specOf(existing).minReadySeconds ?? 0) !== (specOf(d).minReadySeconds ?? 0)) {
        rs = await this.api.update(replicaSets, existing.metadata.namespace, existing.metadata.name!, { ...existing, metadata: { ...existing.metadata, annotations }, spec: { ...specOf(existing), minReadySeconds: specOf(d).minReadySeconds } } as KubeObject, WRITE);
        this.rsList = this.rsList.map((x) => (x === existing ? rs : x));
      }
      await this.setRevision(revisionOf(rs));
      if (hasProgressDeadline(d) && !conditionOf(statusOf(this.d), 'Progressing')) {
        const status = structuredClone(statusOf(this.d));
        setCondition(status, condition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name}"`, t));
        await this.writeStatus(status);
      }
      return { newRS: rs, oldRSs };
    }
    if (!create) return { newRS: undefined, oldRSs };

    const hash = templateHash(specOf(d).template, statusOf(d).collisionCount ?? 0);
    const template = structuredClone(specOf(d).template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(specOf(d).selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_COPY.has(k)) annotations[k] = v;
    Object.assign(annotations, { [REVISION]: String(revision), [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + maxSurge(d)) });
    const draft: KubeObject = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels: template.metadata.labels, annotations, ownerReferences: [ownerReference(d, deployments)] },
      spec: { replicas: 0, minReadySeconds: specOf(d).minReadySeconds, selector, template },
    };
    const size = newRSNewReplicas(d, [...oldRSs, draft], draft);
    (draft.spec as Obj).replicas = size;
    let rs: KubeObject;
    try {
      rs = await this.api.create(replicaSets, d.metadata.namespace, draft, WRITE);
    } catch (err) {
      if (isKubeError(err) && err.code === 409) {
        const found = this.replicaSetCache.get(d.metadata.namespace ?? '', draft.metadata.name!);
        if (!found || controllerRefOf(found)?.uid !== d.metadata.uid || !sameTemplate(specOf(found).template, specOf(d).template)) {
          // A hash collision: count it, so the next sync hashes differently.
          await this.writeStatus({ ...structuredClone(statusOf(this.d)), collisionCount: (statusOf(this.d).collisionCount ?? 0) + 1 });
        }
      } else if (hasProgressDeadline(d)) {
        const status = structuredClone(statusOf(this.d));
        setCondition(status, condition('Progressing', 'False', 'ReplicaSetCreateError', `Failed to create new replica set "${draft.metadata.name}": ${(err as Error).message}`, t));
        await this.writeStatus(status);
      }
      throw err;
    }
    this.rsList = [...this.rsList, rs];
    if (size > 0) await recordEvent(this.api, WRITE, d, { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rs.metadata.name} from 0 to ${size}`, component: COMPONENT }, this.now());
    await this.setRevision(revision);
    if (hasProgressDeadline(d)) {
      const status = structuredClone(statusOf(this.d));
      setCondition(status, condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${rs.metadata.name}"`, t));
      await this.writeStatus(status);
    }
    return { newRS: rs, oldRSs };
  }

  /** `scale`: a resize outside a rollout, proportional when several ReplicaSets hold pods. */
  async scale(newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<void> {
    const d = this.d;
    const active = [newRS, ...oldRSs].filter(isActive);
    const newest = [...oldRSs].sort((a, b) => (Date.parse(b.metadata.creationTimestamp ?? '') || 0) - (Date.parse(a.metadata.creationTimestamp ?? '') || 0))[0];
    const activeOrLatest = active.length === 1 ? active[0] : active.length === 0 ? newRS ?? newest : undefined;
    if (activeOrLatest) {
      if ((specOf(activeOrLatest).replicas ?? 0) !== replicasOf(d)) await this.scaleRS(activeOrLatest, replicasOf(d));
      return;
    }
    const saturated = newRS && specOf(newRS).replicas === replicasOf(d) && newRS.metadata.annotations?.[DESIRED_REPLICAS] === String(replicasOf(d)) && (statusOf(newRS).availableReplicas ?? 0) === replicasOf(d);
    if (saturated) {
      for (const old of oldRSs.filter(isActive)) await this.scaleRS(old, 0);
      return;
    }
    if (specOf(d).strategy?.type === 'Recreate') return;
    const { sizes, direction } = proportionalSizes(d, active);
    for (const [rs, size] of sizes) await this.scaleRS(rs, size, direction || undefined);
  }

  /** cleanupDeployment: old, empty ReplicaSets beyond revisionHistoryLimit go, oldest revision first. */
  async cleanup(oldRSs: KubeObject[]): Promise<void> {
    const limit = specOf(this.d).revisionHistoryLimit;
    if (typeof limit !== 'number') return;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of alive.slice(0, Math.max(0, alive.length - limit))) {
      if ((statusOf(rs).replicas ?? 0) !== 0 || (specOf(rs).replicas ?? 0) !== 0 || (rs.metadata.generation ?? 0) > (statusOf(rs).observedGeneration ?? 0)) continue;
      try {
        await this.api.delete(replicaSets, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } }, WRITE);
      } catch (err) {
        if (!isKubeError(err) || (err.code !== 404 && err.code !== 409)) throw err;
      }
    }
  }

  /** syncRolloutStatus: the status plus the Progressing condition; returns when to look again for the deadline. */
  async rolloutStatus(newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<number | void> {
    const d = this.d;
    const t = this.now();
    const all = this.current([newRS, ...oldRSs]);
    const fresh = newRS ? all.find((rs) => rs.metadata.uid === newRS.metadata.uid) : undefined;
    const status = calculateStatus(d, all, fresh, stamp(t));
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = conditionOf(statusOf(d), 'Progressing');
    const completeBefore = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    const rsName = fresh?.metadata.name;
    if (hasProgressDeadline(d) && !completeBefore) {
      if (isComplete(d, status)) {
        setCondition(status, condition('Progressing', 'True', 'NewReplicaSetAvailable', rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`, stamp(t)));
      } else if (isProgressing(d, status)) {
        const c = condition('Progressing', 'True', 'ReplicaSetUpdated', rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`, stamp(t));
        if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
        setCondition(status, c);
      } else if (isTimedOut(d, status, t)) {
        setCondition(status, condition('Progressing', 'False', 'ProgressDeadlineExceeded', rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`, stamp(t)));
      }
    }
    const failure = [fresh, ...all.filter((rs) => rs !== fresh)].map((rs) => ((statusOf(rs).conditions ?? []) as Obj[]).find((c) => c.type === 'ReplicaFailure' && c.status === 'True')).find(Boolean);
    if (failure) setCondition(status, condition('ReplicaFailure', failure.status, failure.reason, failure.message, stamp(t)));
    else removeCondition(status, 'ReplicaFailure');
    await this.writeStatus(status);
    // requeueStuckDeployment: look again when the deadline would pass.
    const c = conditionOf(status, 'Progressing');
    if (!hasProgressDeadline(d) || !c || isComplete(d, status) || c.reason === 'ProgressDeadlineExceeded') return;
    return Math.max(0, Date.parse(c.lastUpdateTime) + specOf(d).progressDeadlineSeconds * 1000 - t.getTime()) + 1000;
  }

  /** The ReplicaSets as the cache has them now (the ReplicaSet controller may have updated their status). */
  current(list: Array<KubeObject | undefined>): KubeObject[] {
    return list.filter((rs): rs is KubeObject => !!rs).map((rs) => this.replicaSetCache.get(rs.metadata.namespace ?? '', rs.metadata.name!) ?? rs)
      .filter((rs, i, all) => all.findIndex((x) => x.metadata.uid === rs.metadata.uid) === i);
  }
}
