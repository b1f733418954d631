// The simulator's storage: objects by resource and namespace, one global resourceVersion like an etcd
// revision, and a bounded history of committed changes that watch resumes from and that paginated lists
// use to rebuild the snapshot of their first page.
import { expired } from './errors.js';
import type { KubeObject, ResourceType } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed write. `object` is the state after the write (for DELETED: the final object). */
export interface Change {
  rv: number;
  type: ChangeType;
  resourceKey: string;
  namespace: string;
  name: string;
  object: KubeObject;
  previous?: KubeObject;
}

export const resourceKey = (r: ResourceType) => `${r.group}/${r.plural}`;

// Stored objects are shared by lists and watch events instead of being copied per reader; freezing them
// turns an accidental in-place edit by an in-process caller into a TypeError instead of silent corruption.
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export class Store {
  private rv = 0;
  private readonly buckets = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly ring: Array<Change | undefined>;
  private head = 0; // next ring slot to write
  private size = 0;
  /** Highest RV no longer in history: a watch or snapshot from before it cannot be served. */
  private compactedRv = 0;
  private readonly anyListeners = new Set<(change: Change) => void>();
  // Watchers of one resource only hear about that resource: with many watchers, most writes concern few of them.
  private readonly listenersByResource = new Map<string, Set<(change: Change) => void>>();

  constructor(historySize = 10_000) {
    this.ring = new Array(Math.max(1, historySize));
  }

  currentRv(): number {
    return this.rv;
  }

  oldestServableRv(): number {
    return this.compactedRv;
  }

  get(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.buckets.get(resourceKey(resource))?.get(namespace)?.get(name);
  }

  /** Objects sorted by namespace then name, as etcd keys sort. Namespace "" on a namespaced type means all. */
  list(resource: ResourceType, namespace: string | undefined): KubeObject[] {
    const bucket = this.buckets.get(resourceKey(resource));
    if (!bucket) return [];
    const out: KubeObject[] = [];
    const namespaces = namespace !== undefined ? [namespace] : [...bucket.keys()].sort();
    for (const ns of namespaces) {
      const byName = bucket.get(ns);
      if (!byName) continue;
      for (const name of [...byName.keys()].sort()) out.push(byName.get(name)!);
    }
    return out;
  }

  /** Whether any object of any namespaced type is left in the namespace. */
  namespaceEmpty(namespace: string): boolean {
    for (const bucket of this.buckets.values()) if ((bucket.get(namespace)?.size ?? 0) > 0) return false;
    return true;
  }

  /** Bumps the global RV, stamps it on the object, stores or removes it, records and announces the change. */
  commit(type: ChangeType, resource: ResourceType, object: KubeObject, previous?: KubeObject): KubeObject {
    this.rv++;
    const stamped = canonicalOrder(object, String(this.rv));
    deepFreeze(stamped);
    const change = this.put(type, resourceKey(resource), stamped, previous, this.rv);
    this.record(change);
    for (const listener of this.anyListeners) listener(change);
    const forResource = this.listenersByResource.get(change.resourceKey);
    if (forResource) for (const listener of forResource) listener(change);
    return stamped;
  }

  /**
   * Loads objects as a snapshot holds them, at their own resourceVersions, with `rv` the revision it was taken
   * at: history starts there, so a watch from an older revision gets 410. Nothing is announced.
   */
  restore(objects: Iterable<[resourceKey: string, object: KubeObject]>, rv: number): void {
    for (const [key, object] of objects) this.put('ADDED', key, deepFreeze(object), undefined, rv);
    this.rv = Math.max(this.rv, rv);
    this.compactedRv = this.rv;
  }

  /** Re-applies a change from a log, at its revision, into the state and the watch history. Nothing is announced. */
  replay(type: ChangeType, key: string, object: KubeObject, rv: number): void {
    if (rv <= this.rv) return;
    deepFreeze(object);
    const previous = this.buckets.get(key)?.get(object.metadata.namespace ?? '')?.get(object.metadata.name!);
    this.record(this.put(type, key, object, previous, rv));
    this.rv = rv;
  }

  /** Every stored object with its resource key, for a snapshot. */
  *entries(): Iterable<[resourceKey: string, object: KubeObject]> {
    for (const [key, bucket] of this.buckets) for (const byName of bucket.values()) for (const o of byName.values()) yield [key, o];
  }

  /** Stores or removes the object; the caller records and announces the change. */
  private put(type: ChangeType, key: string, stamped: KubeObject, previous: KubeObject | undefined, rv: number): Change {
    const namespace = stamped.metadata.namespace ?? '';
    const name = stamped.metadata.name!;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new Map()));
    let byName = bucket.get(namespace);
    if (!byName) bucket.set(namespace, (byName = new Map()));
    if (type === 'DELETED') {
      byName.delete(name);
      if (byName.size === 0) bucket.delete(namespace);
    } else {
      byName.set(name, stamped);
    }
    return { rv, type, resourceKey: key, namespace, name, object: stamped, previous };
  }

  private record(change: Change): void {
    const evicted = this.ring[this.head];
    if (evicted) this.compactedRv = evicted.rv;
    this.ring[this.head] = change;
    this.head = (this.head + 1) % this.ring.length;
    this.size = Math.min(this.size + 1, this.ring.length);
  }

  /** Changes with rv > after, oldest first. Throws 410 Expired when some of them are no longer kept. */
  changesSince(after: number): Change[] {
    if (after < this.compactedRv) throw expired(`too old resource version: ${after} (${this.compactedRv + 1})`);
    const out: Change[] = [];
    for (let i = this.size; i >= 1; i--) {
      const c = this.ring[(this.head - i + this.ring.length) % this.ring.length]!;
      if (c.rv > after) out.push(c);
    }
    return out;
  }

  /**
   * The objects of a resource as they stood at `rv`: the current ones with every later change undone. This is
   * what gives continue tokens and resourceVersionMatch=Exact a consistent view without copying the store.
   */
  listAt(resource: ResourceType, namespace: string | undefined, rv: number): KubeObject[] {
    const current = this.list(resource, namespace);
    if (rv >= this.rv) return current;
    const key = resourceKey(resource);
    const undone = new Map<string, KubeObject | undefined>();
    const later = this.changesSince(rv);
    // Walk newest to oldest so the earliest change after rv decides what the object looked like at rv.
    for (let i = later.length - 1; i >= 0; i--) {
      const c = later[i];
      if (c.resourceKey !== key || (namespace !== undefined && c.namespace !== namespace)) continue;
      undone.set(`${c.namespace}/${c.name}`, c.type === 'ADDED' ? undefined : c.type === 'DELETED' ? c.previous ?? c.object : c.previous);
    }
    if (undone.size === 0) return current;
    const byKey = new Map<string, KubeObject>();
    for (const o of current) byKey.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    for (const [k, o] of undone) {
      if (o) byKey.set(k, o);
      else byKey.delete(k);
    }
    return [...byKey.entries()].sort(([a], [b]) => compareKeys(a, b)).map(([, o]) => o);
  }

  /** Hears every commit, synchronously and in order; with `resource`, only that resource's commits. */
  subscribe(listener: (change: Change) => void, resource?: ResourceType): () => void {
    if (!resource) {
      this.anyListeners.add(listener);
      return () => this.anyListeners.delete(listener);
    }
    const key = resourceKey(resource);
    let set = this.listenersByResource.get(key);
    if (!set) this.listenersByResource.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listenersByResource.delete(key);
    };
  }
}

const META_ORDER = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

/** Field order as the real server's JSON encoder writes it (kind, apiVersion, metadata, ..., status), for readable output. */
function canonicalOrder(object: KubeObject, resourceVersion: string): KubeObject {
  const metadata: Record<string, unknown> = {};
  const source = { ...object.metadata, resourceVersion } as Record<string, unknown>;
  for (const k of META_ORDER) if (source[k] !== undefined) metadata[k] = source[k];
  for (const k of Object.keys(source)) if (!(k in metadata) && source[k] !== undefined) metadata[k] = source[k];
  const out: KubeObject = { kind: object.kind, apiVersion: object.apiVersion, metadata: metadata as KubeObject['metadata'] };
  for (const k of Object.keys(object)) if (k !== 'kind' && k !== 'apiVersion' && k !== 'metadata' && k !== 'status') out[k] = object[k];
  if (object.status !== undefined) out.status = object.status;
  return out;
}

/** "ns/name" keys compare by namespace first, then name, like the sorted store listing. */
export function compareKeys(a: string, b: string): number {
  const [an, am] = splitKey(a);
  const [bn, bm] = splitKey(b);
  if (an !== bn) return an < bn ? -1 : 1;
  return am < bm ? -1 : am > bm ? 1 : 0;
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}
