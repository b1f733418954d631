// The ReplicaSet controller (k8s pkg/controller/replicaset): keeps spec.replicas active pods made from the
// template (generateName `<rs>-`, owned with controller=true and blockOwnerDeletion), replaces pods that are
// deleted or fail, removes the surplus lowest-ranked first, and reports replicas, fullyLabeledReplicas,
// readyReplicas and availableReplicas from the pods' own status, so it works just the same when nothing but
// an outside syncer marks pods Ready (virtual mode).
import { claim } from './controller-claim.js';
import { SYNC_INTERVAL_MS, startQueue } from './controller-queue.js';
import { isKubeError } from './errors.js';
import { selectorMatches } from './label-selector.js';
import { controllerRefOf, type ObjectCache } from './object-cache.js';
import { pods, replicaSets } from './resources.js';
import { recordEvent } from './sim-events.js';
import type { Api, KubeObject } from './types.js';
import { deepEqual } from './validation.js';
import { controllerWrite, isPodActive, isPodAvailable, isPodReady, msUntilAvailable, podFromTemplate, specOf, statusOf } from './workload-pods.js';

const WRITE = controllerWrite('replicaset-controller');
const COMPONENT = 'replicaset-controller';
/** burstReplicas: at most this many creations or deletions per sync. */
const BURST = 500;

type Obj = Record<string, any>;

/** getPodsToDelete's ranking, condensed: unscheduled, pending, unready, recently ready, restarting and newer pods go first. */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const sa = statusOf(a);
  const sb = statusOf(b);
  const assigned = (p: KubeObject) => (specOf(p).nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phaseRank = (s: Obj) => ({ Pending: 0, Unknown: 1, Running: 2 } as Record<string, number>)[s.phase] ?? 0;
  if (phaseRank(sa) !== phaseRank(sb)) return phaseRank(sa) - phaseRank(sb);
  if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
  const restarts = (s: Obj) => ((s.containerStatuses ?? []) as Obj[]).reduce((n, c) => n + (c.restartCount ?? 0), 0);
  if (restarts(sa) !== restarts(sb)) return restarts(sb) - restarts(sa);
  const created = (p: KubeObject) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return created(b) - created(a);
}

/** Creates `count` items in batches of 1, 2, 4, ... and stops at the first batch with a failure (slowStartBatch). */
export async function slowStart(count: number, create: () => Promise<void>): Promise<void> {
  let remaining = count;
  for (let batch = 1; remaining > 0; batch *= 2) {
    const size = Math.min(batch, remaining);
    const results = await Promise.allSettled(Array.from({ length: size }, create));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    remaining -= size;
  }
}

export function startReplicaSetController(api: Api, caches: { pods: ObjectCache; replicaSets: ObjectCache }, now: () => Date = () => new Date()) {
  const queue = startQueue(sync, { minIntervalMs: SYNC_INTERVAL_MS });
  const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

  function enqueueOwner(pod: KubeObject | undefined): void {
    if (!pod) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.kind !== 'ReplicaSet') return;
      const rs = caches.replicaSets.get(pod.metadata.namespace ?? '', ref.name);
      if (rs && rs.metadata.uid === ref.uid) queue.add(keyOf(rs));
      return;
    }
    // An orphan: whichever ReplicaSet selects it may adopt it.
    for (const rs of caches.replicaSets.all()) {
      if (rs.metadata.namespace === pod.metadata.namespace && selectorMatches(specOf(rs).selector, pod.metadata.labels)) queue.add(keyOf(rs));
    }
  }

  const unsubscribe = [
    caches.replicaSets.subscribe((rs, _prev, type) => { if (type !== 'DELETED') queue.add(keyOf(rs)); }),
    caches.pods.subscribe((pod, prev) => { enqueueOwner(pod); if (prev && controllerRefOf(prev)?.uid !== controllerRefOf(pod)?.uid) enqueueOwner(prev); }),
  ];

  async function manage(rs: KubeObject, active: KubeObject[]): Promise<void> {
    const diff = active.length - (specOf(rs).replicas ?? 1);
    const ns = rs.metadata.namespace!;
    if (diff < 0) {
      await slowStart(Math.min(-diff, BURST), async () => {
        try {
          const pod = await api.create(pods, ns, podFromTemplate(specOf(rs).template, rs, replicaSets, { generateName: `${rs.metadata.name}-` }), WRITE);
          await recordEvent(api, WRITE, rs, { reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}`, component: COMPONENT }, now());
        } catch (err) {
          await recordEvent(api, WRITE, rs, { reason: 'FailedCreate', message: `Error creating: ${(err as Error).message}`, type: 'Warning', component: COMPONENT }, now());
          throw err;
        }
      });
    } else if (diff > 0) {
      const victims = [...active].sort(deletionOrder).slice(0, Math.min(diff, BURST));
      const results = await Promise.allSettled(victims.map(async (pod) => {
        try {
          await api.delete(pods, ns, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }, WRITE);
        } catch (err) {
          if (isKubeError(err) && (err.code === 404 || err.code === 409)) return;
          await recordEvent(api, WRITE, rs, { reason: 'FailedDelete', message: `Error deleting: ${(err as Error).message}`, type: 'Warning', component: COMPONENT }, now());
          throw err;
        }
        await recordEvent(api, WRITE, rs, { reason: 'SuccessfulDelete', message: `Deleted pod: ${pod.metadata.name}`, component: COMPONENT }, now());
      }));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  function calculateStatus(rs: KubeObject, owned: KubeObject[], manageErr: unknown): Obj {
    const spec = specOf(rs);
    const minReady = spec.minReadySeconds ?? 0;
    const active = owned.filter(isPodActive);
    const t = now();
    const status: Obj = { replicas: active.length };
    const templateLabels = spec.template?.metadata?.labels ?? {};
    const fully = active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
    const ready = active.filter(isPodReady).length;
    const available = active.filter((p) => isPodAvailable(p, minReady, t)).length;
    if (fully) status.fullyLabeledReplicas = fully;
    if (ready) status.readyReplicas = ready;
    if (available) status.availableReplicas = available;
    if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
    const old = ((statusOf(rs).conditions ?? []) as Obj[]);
    const failure = old.find((c) => c.type === 'ReplicaFailure');
    let conditions = old.filter((c) => c.type !== 'ReplicaFailure');
    if (manageErr && !failure) {
      const reason = active.length < (spec.replicas ?? 1) ? 'FailedCreate' : 'FailedDelete';
      conditions = [...conditions, { type: 'ReplicaFailure', status: 'True', lastTransitionTime: t.toISOString().replace(/\.\d{3}Z$/, 'Z'), reason, message: (manageErr as Error).message }];
    } else if (manageErr && failure) conditions = old;
    if (conditions.length) status.conditions = conditions;
    return status;
  }

  async function sync(key: string): Promise<number | void> {
    const [ns, name] = key.split('/');
    const rs = caches.replicaSets.get(ns, name);
    if (!rs) return;
    const owned = await claim(api, caches.pods, rs, replicaSets, WRITE);
    let manageErr: unknown;
    if (!rs.metadata.deletionTimestamp) {
      try {
        await manage(rs, owned.filter(isPodActive));
      } catch (err) {
        manageErr = err;
      }
    }
    const latest = caches.replicaSets.get(ns, name);
    if (!latest || latest.metadata.uid !== rs.metadata.uid) return;
    const current = caches.pods.controlledBy(rs.metadata.uid);
    const status = calculateStatus(latest, current, manageErr);
    if (!deepEqual(status, latest.status)) {
      await api.update(replicaSets, ns, name, { ...latest, status } as KubeObject, WRITE, 'status');
    }
    if (manageErr) throw manageErr;
    const minReady = specOf(latest).minReadySeconds ?? 0;
    if (!minReady) return;
    const t = now();
    const waits = current.map((p) => msUntilAvailable(p, minReady, t)).filter((n): n is number => n !== undefined);
    return waits.length ? Math.min(...waits) : undefined;
  }

  return {
    async stop() {
      for (const u of unsubscribe) u();
      await queue.stop();
    },
  };
}
