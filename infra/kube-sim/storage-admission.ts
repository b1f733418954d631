// What the API server does to PersistentVolumeClaims and PersistentVolumes on their way in: the
// DefaultStorageClass and StorageObjectInUseProtection admission plugins (a class for claims that name none,
// the protection finalizers), the strategies' status reset on create, and the claim update rule.
import type { StatusCause } from './errors.js';
import { isDefaultClass } from './scheduler-volume-cache.js';
import { storageClasses } from './resources.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';
import { deepEqual } from './validation.js';

type Obj = Record<string, any>;

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';

function addFinalizer(obj: KubeObject, finalizer: string): void {
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(finalizer)) obj.metadata.finalizers = [...list, finalizer];
}

/** The default class new claims get: the newest of those annotated default. */
export function defaultStorageClass(store: Store): KubeObject | undefined {
  return store.list(storageClasses, undefined).filter(isDefaultClass)
    .sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))[0];
}

export function admitClaim(store: Store, claim: KubeObject): void {
  const spec = (claim.spec ??= {}) as Obj;
  if (spec.storageClassName === undefined) {
    const sc = defaultStorageClass(store);
    if (sc) spec.storageClassName = sc.metadata.name;
  }
  addFinalizer(claim, PVC_PROTECTION);
}

export function admitVolume(pv: KubeObject): void {
  addFinalizer(pv, PV_PROTECTION);
}

/** The status a new claim or volume starts with, whatever the body said. */
export function initialStorageStatus(obj: KubeObject): void {
  obj.status = { phase: 'Pending' };
}

/** ValidatePersistentVolumeClaimUpdate: the spec is fixed once created, but for binding and resizing. */
export function claimUpdateCauses(next: KubeObject, stored: KubeObject): StatusCause[] {
  const before = structuredClone((stored.spec ?? {}) as Obj);
  const after = structuredClone((next.spec ?? {}) as Obj);
  // The binder sets volumeName once; a resize changes the requests; a class may be set where none was.
  if (!before.volumeName && after.volumeName) before.volumeName = after.volumeName;
  if (before.storageClassName === undefined && after.storageClassName !== undefined) before.storageClassName = after.storageClassName;
  for (const spec of [before, after]) {
    if (!spec.resources) continue;
    delete spec.resources.requests;
    if (Object.keys(spec.resources).length === 0) delete spec.resources;
  }
  if (deepEqual(before, after)) return [];
  return [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims' }];
}
