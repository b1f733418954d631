// The garbage collector (k8s pkg/controller/garbagecollector): watches every served resource but events and
// keeps the owner -> dependents graph from ownerReferences. An object none of whose owners exists any more is
// deleted (background, or as its own finalizers ask); an owner deleted with propagationPolicy Foreground keeps
// its foregroundDeletion finalizer until every dependent with blockOwnerDeletion is gone; one deleted with
// Orphan has the references to it removed from its dependents, then its orphan finalizer. Owners are always
// checked against the API by name and uid, never the graph alone, as the real attemptToDeleteItem does.
import { startQueue } from './controller-queue.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './delete-propagation.js';
import { isKubeError } from './errors.js';
import type { ObjectCache } from './object-cache.js';
import { findResourceByKind } from './resources.js';
import { resourceKey } from './store.js';
import type { Api, DeleteOptions, KubeObject, ResourceType } from './types.js';
import { controllerWrite } from './workload-pods.js';

const WRITE = controllerWrite('generic-garbage-collector');

type Ref = { apiVersion?: string; kind?: string; name?: string; uid?: string; blockOwnerDeletion?: boolean };
interface Node { resource: ResourceType; object: KubeObject }

const refsOf = (o: KubeObject) => (o.metadata.ownerReferences ?? []) as Ref[];
const finalizersOf = (o: KubeObject) => o.metadata.finalizers ?? [];
const refUids = (o: KubeObject | undefined) => (o ? refsOf(o).map((r) => String(r.uid)).sort().join(',') : '');

/** `caches`: one per resource to collect in, shared with the other controllers. */
export function startGarbageCollector(api: Api, caches: readonly ObjectCache[]) {
  const nodes = new Map<string, Node>(); // by node key
  const byUid = new Map<string, string>(); // uid -> node key, for every watched object
  const dependents = new Map<string, Set<string>>(); // owner uid -> node keys
  const queue = startQueue(sync);
  const nodeKey = (r: ResourceType, o: KubeObject) => `${resourceKey(r)}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

  function link(key: string, o: KubeObject, on: boolean): void {
    for (const ref of refsOf(o)) {
      const uid = String(ref.uid);
      let set = dependents.get(uid);
      if (on) {
        if (!set) dependents.set(uid, (set = new Set()));
        set.add(key);
      } else if (set) {
        set.delete(key);
        if (!set.size) dependents.delete(uid);
      }
    }
  }

  const enqueueDependents = (uid: string | undefined) => { for (const k of dependents.get(uid ?? '') ?? []) queue.add(k); };
  const hasGcFinalizer = (o: KubeObject) => finalizersOf(o).some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);

  function observe(resource: ResourceType, type: string, o: KubeObject): void {
    const key = nodeKey(resource, o);
    const before = nodes.get(key)?.object;
    if (before) link(key, before, false);
    if (type === 'DELETED') {
      nodes.delete(key);
      if (byUid.get(o.metadata.uid ?? '') === key) byUid.delete(o.metadata.uid ?? '');
      enqueueDependents(o.metadata.uid);
      // An owner waiting for its dependents may now be free to go.
      for (const ref of refsOf(o)) { const owner = byUid.get(String(ref.uid)); if (owner) queue.add(owner); }
      return;
    }
    nodes.set(key, { resource, object: o });
    byUid.set(o.metadata.uid ?? '', key);
    link(key, o, true);
    const startedDeleting = o.metadata.deletionTimestamp && !before?.metadata.deletionTimestamp;
    if (type === 'ADDED' || refUids(before) !== refUids(o)) queue.add(key);
    if (hasGcFinalizer(o) && (startedDeleting || finalizersOf(o).join() !== finalizersOf(before ?? o).join() || type === 'ADDED')) {
      queue.add(key);
      enqueueDependents(o.metadata.uid);
    }
  }

  const unsubscribe = caches.map((c) => c.subscribe((object, _previous, type) => observe(c.resource, type, object)));

  /** The owner as stored now, if it is the one the reference names; undefined when it is gone (dangling). */
  function ownerOf(o: KubeObject, ref: Ref): KubeObject | undefined | 'unknown' {
    const resource = findResourceByKind(ref.apiVersion ?? '', ref.kind ?? '');
    if (!resource) return 'unknown';
    try {
      const owner = api.get(resource, resource.namespaced ? o.metadata.namespace : undefined, ref.name ?? '');
      return owner.metadata.uid === ref.uid ? owner : undefined;
    } catch (err) {
      if (isKubeError(err) && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Gone is fine; a conflict (the object moved on) throws, so the queue retries on the fresh object. */
  async function tolerate(p: Promise<unknown>, conflictOk = true): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isKubeError(err) || (err.code !== 404 && !(conflictOk && err.code === 409))) throw err;
    }
  }

  const removeRefs = (n: Node, uids: string[]) => tolerate(api.patch(n.resource, n.object.metadata.namespace, n.object.metadata.name!, 'strategic',
    { metadata: { ownerReferences: uids.map((uid) => ({ $patch: 'delete', uid })), uid: n.object.metadata.uid } }, WRITE));

  const removeFinalizer = (n: Node, finalizer: string) => tolerate(api.patch(n.resource, n.object.metadata.namespace, n.object.metadata.name!, 'merge',
    { metadata: { resourceVersion: n.object.metadata.resourceVersion, finalizers: finalizersOf(n.object).filter((f) => f !== finalizer) } }, WRITE), false);

  const remove = (n: Node, policy: DeleteOptions['propagationPolicy']) => tolerate(api.delete(n.resource, n.object.metadata.namespace, n.object.metadata.name!,
    { propagationPolicy: policy, preconditions: { uid: n.object.metadata.uid } }, WRITE));

  /** The owner's half: work off orphan and foregroundDeletion once it is being deleted. */
  async function syncOwner(n: Node): Promise<void> {
    const o = n.object;
    const deps = [...(dependents.get(o.metadata.uid ?? '') ?? [])].map((k) => nodes.get(k)).filter((d): d is Node => !!d);
    if (finalizersOf(o).includes(ORPHAN_FINALIZER)) {
      for (const d of deps) await removeRefs(d, [o.metadata.uid!]);
      await removeFinalizer(n, ORPHAN_FINALIZER);
      return;
    }
    if (finalizersOf(o).includes(FOREGROUND_FINALIZER)) {
      for (const d of deps) if (!d.object.metadata.deletionTimestamp) queue.add(nodeKey(d.resource, d.object));
      const blocking = deps.filter((d) => refsOf(d.object).some((r) => r.uid === o.metadata.uid && r.blockOwnerDeletion === true));
      if (!blocking.length) await removeFinalizer(n, FOREGROUND_FINALIZER);
    }
  }

  /** The dependent's half (attemptToDeleteItem): collect it when no owner is left, or drop dangling references. */
  async function syncDependent(n: Node): Promise<void> {
    const o = n.object;
    if (o.metadata.deletionTimestamp || !refsOf(o).length) return;
    const solid: Ref[] = [];
    const dangling: Ref[] = [];
    const waiting: Ref[] = [];
    for (const ref of refsOf(o)) {
      const owner = ownerOf(o, ref);
      if (owner === undefined) dangling.push(ref);
      else if (owner !== 'unknown' && owner.metadata.deletionTimestamp && finalizersOf(owner).includes(FOREGROUND_FINALIZER)) waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length) {
      if (dangling.length || waiting.length) await removeRefs(n, [...dangling, ...waiting].map((r) => String(r.uid)));
      return;
    }
    if (waiting.length && dependents.get(o.metadata.uid ?? '')?.size) return remove(n, 'Foreground');
    const policy = finalizersOf(o).includes(ORPHAN_FINALIZER) ? 'Orphan' : finalizersOf(o).includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    await remove(n, policy);
  }

  async function sync(key: string): Promise<void> {
    const n = nodes.get(key);
    if (!n) return;
    if (n.object.metadata.deletionTimestamp && hasGcFinalizer(n.object)) await syncOwner(n);
    else await syncDependent(n);
  }

  return {
    async stop() {
      for (const u of unsubscribe) u();
      await queue.stop();
    },
  };
}
