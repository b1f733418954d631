// The Deployment controller (k8s pkg/controller/deployment): one ReplicaSet per pod template, named
// `<deployment>-<pod-template-hash>` and carrying the revision annotation; RollingUpdate grows the new one and
// shrinks the old ones within maxSurge/maxUnavailable as their pods become available, Recreate empties the
// old ones first; scaling is proportional; old ReplicaSets beyond revisionHistoryLimit are deleted; the
// status and its Available/Progressing conditions are what `kubectl rollout status` reads.
import { claim } from './controller-claim.js';
import { SYNC_INTERVAL_MS, startQueue } from './controller-queue.js';
import { DESIRED_REPLICAS, calculateStatus, condition, conditionOf, hasProgressDeadline, isActive, isComplete, newRSNewReplicas, oldScaleDowns, replicasOf, setCondition } from './deployment-rollout.js';
import { DeploymentSync, WRITE, stamp } from './deployment-sync.js';
import { selectorMatches } from './label-selector.js';
import { controllerRefOf, type ObjectCache } from './object-cache.js';
import { deployments } from './resources.js';
import type { Api, KubeObject } from './types.js';
import { isTerminal, specOf, statusOf } from './workload-pods.js';

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

  async function syncPausedCondition(s: DeploymentSync): Promise<void> {
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
    const s = new DeploymentSync(api, caches.replicaSets, now, d, await claim(api, caches.replicaSets, d, deployments, WRITE));
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

  async function rolloutRolling(s: DeploymentSync): Promise<number | void> {
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

  async function rolloutRecreate(s: DeploymentSync): Promise<number | void> {
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
