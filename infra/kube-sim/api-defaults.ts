// Defaulting and immutability rules of the non-pod types the syncer copies (secrets, configmaps, services),
// as k8s pkg/apis/core/v1/defaults.go and the secret/configmap strategies apply them on every write.
import type { StatusCause } from './errors.js';
import type { KubeObject, ResourceType } from './types.js';
import { applyWorkloadDefaults } from './workload-defaults.js';

type Obj = Record<string, any>;

/** Secret: type Opaque by default; stringData is write-only and folds into data as base64. */
function defaultSecret(secret: Obj): void {
  secret.type ??= 'Opaque';
  if (secret.stringData && typeof secret.stringData === 'object') {
    secret.data = { ...(secret.data ?? {}) };
    for (const [k, v] of Object.entries(secret.stringData as Record<string, string>)) secret.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete secret.stringData;
  }
}

/** Service: the scheme defaults (IP allocation is the registry's, in service-network.ts). */
function defaultService(svc: Obj): void {
  const spec = (svc.spec ??= {}) as Obj;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.internalTrafficPolicy ??= 'Cluster';
  for (const p of (spec.ports ?? []) as Obj[]) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
}

/** Runs on create and on every update of the main resource, like scheme defaulting of each decoded body. */
export function applyTypeDefaults(resource: ResourceType, obj: KubeObject): void {
  if (resource.group === 'storage.k8s.io' && resource.plural === 'storageclasses') defaultStorageClass(obj);
  applyWorkloadDefaults(resource, obj);
  if (resource.group !== '') return;
  if (resource.plural === 'secrets') defaultSecret(obj);
  else if (resource.plural === 'services') defaultService(obj);
  else if (resource.plural === 'persistentvolumeclaims' || resource.plural === 'persistentvolumes') defaultVolumeSpec(resource.plural, obj);
}

/** PersistentVolume(Claim)s: Filesystem volumes; a volume is Retained unless its class says otherwise. */
function defaultVolumeSpec(plural: string, obj: Obj): void {
  const spec = (obj.spec ??= {}) as Obj;
  spec.volumeMode ??= 'Filesystem';
  if (plural === 'persistentvolumes') spec.persistentVolumeReclaimPolicy ??= 'Retain';
}

function defaultStorageClass(sc: Obj): void {
  sc.reclaimPolicy ??= 'Delete';
  sc.volumeBindingMode ??= 'Immediate';
}

/** ConfigMaps and Secrets marked immutable keep their data and the flag itself. */
export function immutableDataCauses(resource: ResourceType, next: KubeObject, stored: KubeObject): StatusCause[] {
  if (resource.group !== '' || (resource.plural !== 'configmaps' && resource.plural !== 'secrets') || stored.immutable !== true) return [];
  const causes: StatusCause[] = [];
  const message = 'Forbidden: field is immutable when `immutable` is set';
  if (next.immutable !== true) causes.push({ reason: 'FieldValueForbidden', field: 'immutable', message });
  for (const field of ['data', 'binaryData']) {
    if (JSON.stringify(next[field] ?? {}) !== JSON.stringify(stored[field] ?? {})) causes.push({ reason: 'FieldValueForbidden', field, message });
  }
  if (resource.plural === 'secrets' && next.type !== stored.type) causes.push({ reason: 'FieldValueInvalid', field: 'type', message: `Invalid value: ${JSON.stringify(next.type)}: field is immutable` });
  return causes;
}
