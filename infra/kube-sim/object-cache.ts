// An informer for the simulated controllers: one watch of a resource kept as a local cache, indexed by the
// uid of each object's controller (ownerReferences[controller=true]) and, for objects without one, by
// namespace. Watch events arrive synchronously inside the store's commit, so the cache is current by the
// time a write through the API returns; controllers read it instead of listing.
import type { Api, KubeObject, ResourceType, WatchEvent, WatchHandle } from './types.js';

export type CacheListener = (object: KubeObject, previous: KubeObject | undefined, type: 'ADDED' | 'MODIFIED' | 'DELETED') => void;

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function controllerRefOf(o: KubeObject): Record<string, any> | undefined {
  return (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export class ObjectCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly byController = new Map<string, Map<string, KubeObject>>();
  private readonly orphansByNamespace = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<CacheListener>();
  private readonly handle: WatchHandle;

  constructor(api: Api, readonly resource: ResourceType) {
    this.handle = api.watch(resource, undefined, {}, (ev) => this.apply(ev));
  }

  private apply(ev: WatchEvent): void {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    const key = keyOf(ev.object);
    const previous = this.objects.get(key);
    if (previous) this.unindex(key, previous);
    if (ev.type === 'DELETED') this.objects.delete(key);
    else {
      this.objects.set(key, ev.object);
      this.index(key, ev.object);
    }
    for (const l of this.listeners) l(ev.object, previous, ev.type);
  }

  private index(key: string, o: KubeObject): void {
    const ref = controllerRefOf(o);
    const [map, k] = ref ? [this.byController, String(ref.uid)] : [this.orphansByNamespace, o.metadata.namespace ?? ''];
    let bucket = map.get(k);
    if (!bucket) map.set(k, (bucket = new Map()));
    bucket.set(key, o);
  }

  private unindex(key: string, o: KubeObject): void {
    const ref = controllerRefOf(o);
    const [map, k] = ref ? [this.byController, String(ref.uid)] : [this.orphansByNamespace, o.metadata.namespace ?? ''];
    const bucket = map.get(k);
    bucket?.delete(key);
    if (bucket && bucket.size === 0) map.delete(k);
  }

  /** Hears every change after the cache has applied it; the initial objects arrive as ADDED. */
  subscribe(listener: CacheListener): () => void {
    this.listeners.add(listener);
    for (const o of this.objects.values()) listener(o, undefined, 'ADDED');
    return () => this.listeners.delete(listener);
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  /** Objects whose controller is the object with this uid. */
  controlledBy(uid: string | undefined): KubeObject[] {
    return uid ? [...(this.byController.get(uid)?.values() ?? [])] : [];
  }

  /** Objects in the namespace that no controller owns (candidates for adoption). */
  orphans(namespace: string): KubeObject[] {
    return [...(this.orphansByNamespace.get(namespace)?.values() ?? [])];
  }

  all(): KubeObject[] {
    return [...this.objects.values()];
  }

  stop(): void {
    this.handle.stop();
    this.listeners.clear();
  }
}
