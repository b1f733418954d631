// The Deployment controller (k8s pkg/controller/deployment): one ReplicaSet per pod template, named
// `<deployment>-<pod-template-hash>` and carrying the revision annotation; RollingUpdate grows the new one and
// shrinks the old ones within maxSurge/maxUnavailable as their pods become available, Recreate empties the
// old ones first; scaling is proportional; old ReplicaSets beyond revisionHistoryLimit are deleted; the
// status and its Available/Progressing conditions are what `kubectl rollout status` reads.
import { claim } from './controller-claim.js';
import { SYNC_INTERVAL_MS, startQueue } from './controller-queue.js';
import {
  DESIRED_REPLICAS, MAX_REPLICAS, POD_TEMPLATE_HASH, REVISION, REVISION_HISTORY, calculateStatus, condition, conditionOf,
  hasProgressDeadline, isActive, isComplete, isProgressing, isTimedOut, maxSurge, newRSNewReplicas, oldScaleDowns,
  proportionalSizes, removeCondition, replicasOf, setCondition,
} from './deployment-rollout.js';
import { isKubeError } from './errors.js';
import { same } from './pod-lifecycle.js';
import { selectorMatches } from './label-selector.js';
import { controllerRefOf, type ObjectCache } from './object-cache.js';
import { deployments, replicaSets } from './resources.js';
import { recordEvent } from './sim-events.js';
import type { Api, KubeObject } from './types.js';
import { deepEqual } from './validation.js';
import { controllerWrite, isTerminal, ownerReference, specOf, statusOf, templateHash } from './workload-pods.js';

const WRITE = controllerWrite('deployment-controller');
const COMPONENT = 'deployment-controller';
const SKIP_COPY = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, 'deprecated.deployment.rollback.to']);

type Obj = Record<string, any>;
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
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

export function startDeploymentController(api: Api, caches: { deployments: ObjectCache; replicaSets: ObjectCache; pods: ObjectCache }, now: () => Date = () => new Date()) {
  const queue = startQueue(sync, { minIntervalMs: SYNC_INTERVAL_MS });
  const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

  function enqueueOwner(rs: KubeObject | undefined): void {
    if (!rs) return;
    const ref = controllerRefOf(rs);
    if (ref) {
      const d = ref.kind === 'Deployment' ? caches.deployments.get(rs.metadata.namespace ?? '', ref.name) : undefined;
      if (d && d.metadata.uid === ref.uid) queue.add(keyOf(d));
      return;
    }
    for (const d of caches.deployments.all()) {
      if (d.metadata.namespace === rs.metadata.namespace && selectorMatches(specOf(d).selector, rs.metadata.labels)) queue.add(keyOf(d));
    }
  }

  const unsubscribe = [
    caches.deployments.subscribe((d, _prev, type) => { if (type !== 'DELETED') queue.add(keyOf(d)); }),
    caches.replicaSets.subscribe((rs, prev) => { enqueueOwner(rs); if (prev && controllerRefOf(prev)?.uid !== controllerRefOf(rs)?.uid) enqueueOwner(prev); }),
    // Recreate waits for the old pods to go: their deletion wakes the Deployment through their ReplicaSet.
    caches.pods.subscribe((pod, _prev, type) => {
      if (type !== 'DELETED' && !isTerminal(pod)) return;
      const ref = controllerRefOf(pod);
      if (ref?.kind === 'ReplicaSet') enqueueOwner(caches.replicaSets.get(pod.metadata.namespace ?? '', ref.name));
    }),
  ];

  /** One sync's view: the Deployment as this sync last wrote it, so each write carries the current resourceVersion. */
  class Sync {
    constructor(public d: KubeObject, public rsList: KubeObject[]) {}

    async writeStatus(status: Obj): Promise<void> {
      if (deepEqual(status, this.d.status)) return;
      this.d = await api.update(deployments, this.d.metadata.namespace, this.d.metadata.name!, { ...this.d, status } as KubeObject, WRITE, 'status');
    }

    /** SetDeploymentRevision. The real controller writes it through UpdateStatus; here the status subresource keeps metadata, so it is a patch. */
    async setRevision(revision: number): Promise<void> {
      if (this.d.metadata.annotations?.[REVISION] === String(revision)) return;
      const status = this.d.status;
      this.d = (await api.patch(deployments, this.d.metadata.namespace, this.d.metadata.name!, 'merge',
        { metadata: { resourceVersion: this.d.metadata.resourceVersion, annotations: { [REVISION]: String(revision) } } }, WRITE)).object;
      this.d = { ...this.d, status };
    }

    async scaleRS(rs: KubeObject, size: number, direction?: string): Promise<KubeObject> {
      const d = this.d;
      const annotations = { ...(rs.metadata.annotations ?? {}), [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + maxSurge(d)) };
      const from = specOf(rs).replicas ?? 0;
      if (from === size && deepEqual(annotations, rs.metadata.annotations ?? {})) return rs;
      const updated = await api.update(replicaSets, rs.metadata.namespace, rs.metadata.name!, { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...specOf(rs), replicas: size } } as KubeObject, WRITE);
      if (from !== size) {
        await recordEvent(api, WRITE, d, { reason: 'ScalingReplicaSet', message: `Scaled ${direction ?? (size > from ? 'up' : 'down')} replica set ${rs.metadata.name} from ${from} to ${size}`, component: COMPONENT }, now());
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
      const t = stamp(now());
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
          rs = await api.update(replicaSets, existing.metadata.namespace, existing.metadata.name!, { ...existing, metadata: { ...existing.metadata, annotations }, spec: { ...specOf(existing), minReadySeconds: specOf(d).minReadySeconds } } as KubeObject, WRITE);
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
        rs = await api.create(replicaSets, d.metadata.namespace, draft, WRITE);
      } catch (err) {
        if (isKubeError(err) && err.code === 409) {
          const found = caches.replicaSets.get(d.metadata.namespace ?? '', draft.metadata.name!);
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
      if (size > 0) await recordEvent(api, WRITE, d, { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rs.metadata.name} from 0 to ${size}`, component: COMPONENT }, now());
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
          await api.delete(replicaSets, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } }, WRITE);
        } catch (err) {
          if (!isKubeError(err) || (err.code !== 404 && err.code !== 409)) throw err;
        }
      }
    }

    /** syncRolloutStatus: the status plus the Progressing condition; returns when to look again for the deadline. */
    async rolloutStatus(newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<number | void> {
      const d = this.d;
      const t = now();
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
      return list.filter((rs): rs is KubeObject => !!rs).map((rs) => caches.replicaSets.get(rs.metadata.namespace ?? '', rs.metadata.name!) ?? rs)
        .filter((rs, i, all) => all.findIndex((x) => x.metadata.uid === rs.metadata.uid) === i);
    }
  }

  async function syncPausedCondition(s: Sync): Promise<void> {
    if (!hasProgressDeadline(s.d)) return;
    const current = conditionOf(statusOf(s.d), 'Progressing');
    if (current?.reason === 'ProgressDeadlineExceeded') return;
    const paused = specOf(s.d).paused === true;
    const pausedCond = current?.reason === 'DeploymentPaused';
    if (paused === pausedCond) return;
    const status = structuredClone(statusOf(s.d));
    setCondition(status, condition('Progressing', 'Unknown', paused ? 'DeploymentPaused' : 'DeploymentResumed', paused ? 'Deployment is paused' : 'Deployment is resumed', stamp(now())));
    await s.writeStatus(status);
  }

  async function sync(key: string): Promise<number | void> {
    const [ns, name] = key.split('/');
    const found = caches.deployments.get(ns, name);
    if (!found) return;
    const d = structuredClone(found) as KubeObject;
    const s = new Sync(d, await claim(api, caches.replicaSets, d, deployments, WRITE));
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = s.split();
      await s.writeStatus(calculateStatus(s.d, s.current([newRS, ...oldRSs]), newRS, stamp(now())));
      return;
    }
    await syncPausedCondition(s);
    const desiredOf = (rs: KubeObject) => rs.metadata.annotations?.[DESIRED_REPLICAS];
    const scalingEvent = async () => {
      const { newRS, oldRSs } = await s.newReplicaSet(false);
      return [newRS, ...oldRSs].filter(isActive).some((rs) => desiredOf(rs) !== undefined && desiredOf(rs) !== String(replicasOf(s.d)));
    };
    if (specOf(d).paused === true || await scalingEvent()) {
      const { newRS, oldRSs } = await s.newReplicaSet(false);
      await s.scale(newRS, oldRSs);
      if (specOf(d).paused === true) await s.cleanup(s.split().oldRSs);
      const after = s.split();
      await s.writeStatus(calculateStatus(s.d, s.current([after.newRS, ...after.oldRSs]), after.newRS, stamp(now())));
      return;
    }
    if (specOf(d).strategy?.type === 'Recreate') return rolloutRecreate(s);
    return rolloutRolling(s);
  }

  async function rolloutRolling(s: Sync): Promise<number | void> {
    const { newRS, oldRSs } = await s.newReplicaSet(true);
    const d = s.d;
    // reconcileNewReplicaSet
    const target = (specOf(newRS).replicas ?? 0) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, [newRS!, ...oldRSs], newRS!);
    if (target !== (specOf(newRS).replicas ?? 0)) {
      const scaled = await s.scaleRS(newRS!, target);
      return s.rolloutStatus(scaled, oldRSs);
    }
    // reconcileOldReplicaSets
    const plan = oldScaleDowns(d, oldRSs, newRS);
    let scaledDown = false;
    for (const [rs, size] of plan) {
      if (size !== (specOf(rs).replicas ?? 0)) {
        await s.scaleRS(rs, size);
        scaledDown = true;
      }
    }
    const { oldRSs: olds } = s.split();
    if (!scaledDown && isComplete(d, statusOf(d))) await s.cleanup(olds);
    return s.rolloutStatus(newRS, olds);
  }

  async function rolloutRecreate(s: Sync): Promise<number | void> {
    let { newRS, oldRSs } = await s.newReplicaSet(false);
    let scaledDown = false;
    for (const rs of oldRSs.filter(isActive)) {
      await s.scaleRS(rs, 0);
      scaledDown = true;
    }
    if (scaledDown) return s.rolloutStatus(newRS, s.split().oldRSs);
    // Old pods must be gone (or finished) before the new ReplicaSet gets any.
    const oldRunning = s.current(oldRSs).some((rs) => (statusOf(rs).replicas ?? 0) > 0
      || caches.pods.controlledBy(rs.metadata.uid).some((p) => !isTerminal(p)));
    if (oldRunning) return s.rolloutStatus(newRS, oldRSs);
    if (!newRS) ({ newRS, oldRSs } = await s.newReplicaSet(true));
    if ((specOf(newRS).replicas ?? 0) !== replicasOf(s.d)) newRS = await s.scaleRS(newRS!, replicasOf(s.d));
    if (isComplete(s.d, statusOf(s.d))) await s.cleanup(oldRSs);
    return s.rolloutStatus(newRS, s.split().oldRSs);
  }

  return {
    async stop() {
      for (const u of unsubscribe) u();
      await queue.stop();
    },
  };
}
