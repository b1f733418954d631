// The StatefulSet controller (k8s pkg/controller/statefulset): pods `<set>-<ordinal>` with a stable identity
// (hostname, subdomain, pod-name and pod-index labels) and their claims; under OrderedReady the next ordinal is
// created only once the one before is Running and Ready, scale-down goes from the highest ordinal one at a time,
// and a RollingUpdate replaces pods from the highest ordinal down to the partition, one at a time. A deleted
// pod comes back under the same name. Revisions are `<set>-<hash>` names; the controller keeps the templates of
// past revisions in memory (the real one stores ControllerRevisions, which this simulator does not serve).
import { claim } from './controller-claim.js';
import { SYNC_INTERVAL_MS, startQueue } from './controller-queue.js';
import { isKubeError } from './errors.js';
import { selectorMatches } from './label-selector.js';
import { controllerRefOf, type ObjectCache } from './object-cache.js';
import { pods, statefulSets } from './resources.js';
import { recordEvent } from './sim-events.js';
import type { Api, KubeObject } from './types.js';
import { deepEqual } from './validation.js';
import { controllerWrite, isPodAvailable, isPodReady, isTerminating, msUntilAvailable, podFromTemplate, specOf, statusOf, templateHash } from './workload-pods.js';

const WRITE = controllerWrite('statefulset-controller');
const COMPONENT = 'statefulset-controller';
export const REVISION_LABEL = 'controller-revision-hash';

type Obj = Record<string, any>;

const revisionOf = (pod: KubeObject) => pod.metadata.labels?.[REVISION_LABEL];
const runningAndReady = (pod: KubeObject) => statusOf(pod).phase === 'Running' && isPodReady(pod);
const failedOrSucceeded = (pod: KubeObject) => ['Failed', 'Succeeded'].includes(statusOf(pod).phase);

export function startStatefulSetController(api: Api, caches: { statefulSets: ObjectCache; pods: ObjectCache }, now: () => Date = () => new Date()) {
  const queue = startQueue(sync, { minIntervalMs: SYNC_INTERVAL_MS });
  const templates = new Map<string, Obj>(); // revision name -> template, for pods below the partition
  const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

  function enqueueOwner(pod: KubeObject | undefined): void {
    if (!pod) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      const set = ref.kind === 'StatefulSet' ? caches.statefulSets.get(pod.metadata.namespace ?? '', ref.name) : undefined;
      if (set && set.metadata.uid === ref.uid) queue.add(keyOf(set));
      return;
    }
    for (const set of caches.statefulSets.all()) {
      if (set.metadata.namespace === pod.metadata.namespace && selectorMatches(specOf(set).selector, pod.metadata.labels)) queue.add(keyOf(set));
    }
  }

  const unsubscribe = [
    caches.statefulSets.subscribe((set, _prev, type) => { if (type !== 'DELETED') queue.add(keyOf(set)); }),
    caches.pods.subscribe((pod, prev) => { enqueueOwner(pod); if (prev && controllerRefOf(prev)?.uid !== controllerRefOf(pod)?.uid) enqueueOwner(prev); }),
  ];

  const event = (set: KubeObject, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal') =>
    recordEvent(api, WRITE, set, { reason, message, type, component: COMPONENT }, now());

  /** The claims of one ordinal: created when the claims API is served; each pod volume points at its claim. */
  async function ensureClaims(set: KubeObject, ordinal: number, podName: string): Promise<Obj[]> {
    const claims = (specOf(set).volumeClaimTemplates ?? []) as Obj[];
    const claimResource = api.resourceFor('', 'v1', 'persistentvolumeclaims');
    const volumes: Obj[] = [];
    for (const tmpl of claims) {
      const claimName = `${tmpl.metadata?.name}-${set.metadata.name}-${ordinal}`;
      volumes.push({ name: tmpl.metadata?.name, persistentVolumeClaim: { claimName } });
      if (!claimResource) continue;
      const labels = { ...(tmpl.metadata?.labels ?? {}), ...(specOf(set).selector?.matchLabels ?? {}) };
      const owned = specOf(set).persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
      const body: KubeObject = {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim',
        metadata: { name: claimName, labels, ...(tmpl.metadata?.annotations ? { annotations: tmpl.metadata.annotations } : {}), ...(owned ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name, uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }] } : {}) },
        spec: structuredClone(tmpl.spec ?? {}),
      };
      try {
        await api.create(claimResource, set.metadata.namespace, body, WRITE);
        await event(set, 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if (!isKubeError(err) || err.code !== 409) {
          await event(set, 'FailedCreate', `create Claim ${claimName} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`, 'Warning');
          throw err;
        }
      }
    }
    return volumes;
  }

  async function createPod(set: KubeObject, ordinal: number, revision: string, template: Obj): Promise<void> {
    const name = `${set.metadata.name}-${ordinal}`;
    const pod = podFromTemplate(template, set, statefulSets, { name });
    pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [REVISION_LABEL]: revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) };
    const spec = pod.spec as Obj;
    spec.hostname = name;
    if (specOf(set).serviceName) spec.subdomain = specOf(set).serviceName;
    const claimVolumes = await ensureClaims(set, ordinal, name);
    if (claimVolumes.length) spec.volumes = [...claimVolumes, ...((spec.volumes ?? []) as Obj[]).filter((v) => !claimVolumes.some((c) => c.name === v.name))];
    try {
      await api.create(pods, set.metadata.namespace, pod, WRITE);
    } catch (err) {
      if (isKubeError(err) && err.code === 409) return; // the old pod is still there; its deletion requeues the set
      await event(set, 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`, 'Warning');
      throw err;
    }
    await event(set, 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
  }

  async function deletePod(set: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await api.delete(pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }, WRITE);
    } catch (err) {
      if (isKubeError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
    await event(set, 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
  }

  /** One pass of updateStatefulSet; returns a delay to look again when a pod's minReadySeconds is pending. */
  async function manage(set: KubeObject, owned: KubeObject[], currentRevision: string, updateRevision: string): Promise<number | void> {
    const spec = specOf(set);
    const start = spec.ordinals?.start ?? 0;
    const replicas = spec.replicas ?? 1;
    const monotonic = spec.podManagementPolicy !== 'Parallel';
    const minReady = spec.minReadySeconds ?? 0;
    const byOrdinal = new Map<number, KubeObject>();
    const condemned: Array<[number, KubeObject]> = [];
    const prefix = `${set.metadata.name}-`;
    for (const pod of owned) {
      const n = pod.metadata.name!.startsWith(prefix) ? Number(pod.metadata.name!.slice(prefix.length)) : NaN;
      if (!Number.isInteger(n) || String(n) !== pod.metadata.name!.slice(prefix.length)) continue;
      if (n >= start && n < start + replicas) byOrdinal.set(n, pod);
      else condemned.push([n, pod]);
    }
    condemned.sort((a, b) => b[0] - a[0]);
    const partition = spec.updateStrategy?.type === 'RollingUpdate' ? spec.updateStrategy?.rollingUpdate?.partition ?? 0 : undefined;
    const healthy = (pod: KubeObject) => runningAndReady(pod) && isPodAvailable(pod, minReady, now()) && !isTerminating(pod);
    const wait = (pod: KubeObject) => msUntilAvailable(pod, minReady, now());

    for (let ord = start; ord < start + replicas; ord++) {
      const pod = byOrdinal.get(ord);
      if (!pod) {
        const useCurrent = partition !== undefined && ord < start + partition && templates.has(currentRevision);
        await createPod(set, ord, useCurrent ? currentRevision : updateRevision, useCurrent ? templates.get(currentRevision)! : spec.template);
        if (monotonic) return;
        continue;
      }
      if (failedOrSucceeded(pod) && !isTerminating(pod)) {
        await deletePod(set, pod);
        if (monotonic) return;
        continue;
      }
      if (monotonic && !healthy(pod)) return wait(pod);
    }
    for (const [, pod] of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && [...byOrdinal.values()].some((p) => !healthy(p))) return;
      await deletePod(set, pod);
      if (monotonic) return;
    }
    if (partition === undefined) return;
    for (let ord = start + replicas - 1; ord >= start + partition; ord--) {
      const pod = byOrdinal.get(ord);
      if (!pod) return;
      if (revisionOf(pod) !== updateRevision && !isTerminating(pod)) {
        await deletePod(set, pod);
        return;
      }
      if (!healthy(pod)) return wait(pod);
    }
  }

  function calculateStatus(set: KubeObject, owned: KubeObject[], currentRevision: string, updateRevision: string): Obj {
    const minReady = specOf(set).minReadySeconds ?? 0;
    const t = now();
    let replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
    for (const pod of owned) {
      replicas++;
      if (runningAndReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, t)) available++;
      }
      if (!isTerminating(pod)) {
        if (revisionOf(pod) === currentRevision) current++;
        if (revisionOf(pod) === updateRevision) updated++;
      }
    }
    const status: Obj = { observedGeneration: set.metadata.generation, replicas, readyReplicas: ready, currentReplicas: current, updatedReplicas: updated, currentRevision, updateRevision, collisionCount: statusOf(set).collisionCount ?? 0, availableReplicas: available };
    // completeRollingUpdate: once every pod is updated and ready, the update revision becomes the current one.
    if (specOf(set).updateStrategy?.type === 'RollingUpdate' && updated === replicas && ready === replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = updated;
    }
    for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (!status[k]) delete status[k];
    if (statusOf(set).conditions) status.conditions = statusOf(set).conditions;
    return status;
  }

  async function sync(key: string): Promise<number | void> {
    const [ns, name] = key.split('/');
    const set = caches.statefulSets.get(ns, name);
    if (!set) return;
    const owned = await claim(api, caches.pods, set, statefulSets, WRITE);
    const updateRevision = `${name}-${templateHash(specOf(set).template, statusOf(set).collisionCount ?? 0)}`;
    templates.set(updateRevision, structuredClone(specOf(set).template ?? {}));
    const currentRevision = statusOf(set).currentRevision || updateRevision;
    let after: number | void = undefined;
    if (!set.metadata.deletionTimestamp) after = await manage(set, owned, currentRevision, updateRevision);
    const latest = caches.statefulSets.get(ns, name);
    if (!latest || latest.metadata.uid !== set.metadata.uid) return;
    const status = calculateStatus(latest, caches.pods.controlledBy(set.metadata.uid), currentRevision, updateRevision);
    if (!deepEqual(status, latest.status)) await api.update(statefulSets, ns, name, { ...latest, status } as KubeObject, WRITE, 'status');
    return after;
  }

  return {
    async stop() {
      for (const u of unsubscribe) u();
      await queue.stop();
    },
  };
}
