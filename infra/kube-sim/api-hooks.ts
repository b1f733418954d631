// Per-type steps of the write path beyond pods' and namespaces': built-in mutating admission on create,
// the registry's BeginCreate (Service IP and port allocation, status reset) and the update rules that read
// the stored object. api.ts and api-update.ts call these at the points the real handlers do.
import type { StatusCause } from './errors.js';
import { persistentVolumeClaims, persistentVolumes, services } from './resources.js';
import { createServiceNetwork, DEFAULT_SERVICE_CIDR, type ServiceNetwork } from './service-network.js';
import { admitClaim, admitVolume, claimUpdateCauses, initialStorageStatus } from './storage-admission.js';
import type { Store } from './store.js';
import type { KubeObject, ResourceType, WriteOptions } from './types.js';

export interface ApiHooks {
  network: ServiceNetwork;
  /** Built-in mutating admission on create (DefaultStorageClass, StorageObjectInUseProtection). */
  admitCreate(resource: ResourceType, obj: KubeObject): void;
  /** After server metadata, before validation, on create; throws the 422 of a refused allocation. */
  beginCreate(resource: ResourceType, obj: KubeObject, wo: WriteOptions): void;
  /** On an update of the main resource, before validation: what the stored object decides. */
  beginUpdate(resource: ResourceType, next: KubeObject, stored: KubeObject, wo: WriteOptions, subresource?: string): StatusCause[];
}

export interface HookOptions {
  /** The service IP range (--service-cluster-ip-range), default 10.96.0.0/12. */
  serviceCidr?: string;
}

export function createApiHooks(store: Store, random: () => number, opts: HookOptions = {}): ApiHooks {
  const network = createServiceNetwork(store, opts.serviceCidr ?? DEFAULT_SERVICE_CIDR, random);
  return {
    network,
    admitCreate(resource, obj) {
      if (resource === persistentVolumeClaims) admitClaim(store, obj);
      else if (resource === persistentVolumes) admitVolume(obj);
    },
    beginCreate(resource, obj, wo) {
      if (resource === services) {
        obj.status = { loadBalancer: {} };
        network.allocateCreate(obj, wo.dryRun);
      } else if (resource === persistentVolumeClaims || resource === persistentVolumes) initialStorageStatus(obj);
    },
    beginUpdate(resource, next, stored, wo, subresource) {
      if (subresource) return [];
      if (resource === services) return network.allocateUpdate(next, stored, wo.dryRun);
      if (resource === persistentVolumeClaims) return claimUpdateCauses(next, stored);
      return [];
    },
  };
}
