// ControllerRefManager.Claim (k8s pkg/controller/controller_ref_manager.go): a controller owns what carries
// its controller reference; it adopts orphans in its namespace that match its selector (unless it is being
// deleted) and releases what it owns but no longer selects. Both are strategic merge patches on
// metadata.ownerReferences with the object's uid as a precondition.
import { isKubeError } from './errors.js';
import { selectorMatcher, type LabelSelector } from './label-selector.js';
import type { ObjectCache } from './object-cache.js';
import type { Api, KubeObject, ResourceType, WriteOptions } from './types.js';
import { ownerReference } from './workload-pods.js';

async function patchIgnoringGone(api: Api, cache: ObjectCache, obj: KubeObject, patch: unknown, write: WriteOptions): Promise<void> {
  try {
    await api.patch(cache.resource, obj.metadata.namespace, obj.metadata.name!, 'strategic', patch, write);
  } catch (err) {
    // Gone or changed meanwhile (another owner, a new uid): the next sync sees the new state.
    if (!isKubeError(err) || (err.code !== 404 && err.code !== 409 && err.code !== 422)) throw err;
  }
}

/** The objects `owner` controls once orphans are adopted and unselected ones released, from the cache. */
export async function claim(api: Api, cache: ObjectCache, owner: KubeObject, ownerResource: ResourceType, write: WriteOptions): Promise<KubeObject[]> {
  const matches = selectorMatcher((owner.spec as { selector?: LabelSelector } | undefined)?.selector);
  const uid = owner.metadata.uid!;
  const ns = owner.metadata.namespace ?? '';
  for (const obj of cache.controlledBy(uid)) {
    if (matches(obj.metadata.labels) || owner.metadata.deletionTimestamp) continue;
    await patchIgnoringGone(api, cache, obj, { metadata: { ownerReferences: [{ $patch: 'delete', uid }], uid: obj.metadata.uid } }, write);
  }
  if (!owner.metadata.deletionTimestamp) {
    for (const obj of cache.orphans(ns)) {
      if (obj.metadata.deletionTimestamp || !matches(obj.metadata.labels)) continue;
      await patchIgnoringGone(api, cache, obj, { metadata: { ownerReferences: [ownerReference(owner, ownerResource)], uid: obj.metadata.uid } }, write);
    }
  }
  return cache.controlledBy(uid);
}
