// Reads and writes of the Services and PersistentVolumeClaims podferry syncs, on either side, one API call
// each. Writes that replace carry the resourceVersion that was read (a 409 means "read again"), deletes a uid
// precondition, so nothing swapped in between is ever overwritten or removed.
import type { V1PersistentVolumeClaim, V1PersistentVolumeClaimStatus, V1Service, V1ServiceStatus } from '@kubernetes/client-node';
import { isNotFound, unlessNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';

export type SyncedObjectKind = 'Service' | 'PersistentVolumeClaim';
type Obj = V1Service | V1PersistentVolumeClaim;

export function readService(side: KubeSide, namespace: string, name: string): Promise<V1Service | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readNamespacedService({ namespace, name })));
}

export function readClaim(side: KubeSide, namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readNamespacedPersistentVolumeClaim({ namespace, name })));
}

export function createService(side: KubeSide, namespace: string, body: V1Service, dryRun = false): Promise<V1Service> {
  return side.call('create', (core) => core.createNamespacedService({ namespace, body, ...(dryRun ? { dryRun: 'All' } : {}) }));
}

export function createClaim(side: KubeSide, namespace: string, body: V1PersistentVolumeClaim): Promise<V1PersistentVolumeClaim> {
  return side.call('create', (core) => core.createNamespacedPersistentVolumeClaim({ namespace, body }));
}

export function replaceService(side: KubeSide, body: V1Service): Promise<V1Service> {
  const { namespace, name } = body.metadata as { namespace: string; name: string };
  return side.call('update', (core) => core.replaceNamespacedService({ namespace, name, body }));
}

export function replaceClaim(side: KubeSide, body: V1PersistentVolumeClaim): Promise<V1PersistentVolumeClaim> {
  const { namespace, name } = body.metadata as { namespace: string; name: string };
  return side.call('update', (core) => core.replaceNamespacedPersistentVolumeClaim({ namespace, name, body }));
}

/**
 * The status subresource: the object as it was read (whole: a status write must not look like a metadata
 * change), with the new status, replaced at the resourceVersion read.
 */
export function replaceServiceStatus(side: KubeSide, read: V1Service, status: V1ServiceStatus): Promise<V1Service> {
  const { namespace, name } = read.metadata as { namespace: string; name: string };
  return side.call('update', (core) => core.replaceNamespacedServiceStatus({ namespace, name, body: { ...read, apiVersion: 'v1', kind: 'Service', status } }));
}

export function replaceClaimStatus(side: KubeSide, read: V1PersistentVolumeClaim, status: V1PersistentVolumeClaimStatus): Promise<V1PersistentVolumeClaim> {
  const { namespace, name } = read.metadata as { namespace: string; name: string };
  return side.call('update', (core) => core.replaceNamespacedPersistentVolumeClaimStatus({ namespace, name, body: { ...read, apiVersion: 'v1', kind: 'PersistentVolumeClaim', status } }));
}

/** Deletes with preconditions; false when it was already gone (a failed precondition is thrown, a 409). */
export async function deleteSynced(side: KubeSide, kind: SyncedObjectKind, namespace: string, name: string, preconditions: { uid?: string; resourceVersion?: string }): Promise<boolean> {
  const body = preconditions.uid || preconditions.resourceVersion ? { preconditions } : {};
  try {
    await side.call<unknown>('delete', (core) => (kind === 'Service' ? core.deleteNamespacedService({ namespace, name, body }) : core.deleteNamespacedPersistentVolumeClaim({ namespace, name, body })));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** One page of Services or claims (all namespaces when `namespace` is undefined). */
export async function listSyncedPage(side: KubeSide, kind: SyncedObjectKind, namespace: string | undefined, opts: { labelSelector?: string; limit: number; continueToken?: string }): Promise<{ items: Obj[]; continueToken?: string; resourceVersion?: string }> {
  const query = { ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}), limit: opts.limit, ...(opts.continueToken ? { _continue: opts.continueToken } : {}) };
  const list = await side.call<{ items: Obj[]; metadata?: { _continue?: string; resourceVersion?: string } }>('list', (core) => {
    if (kind === 'Service') return namespace ? core.listNamespacedService({ namespace, ...query }) : core.listServiceForAllNamespaces(query);
    return namespace ? core.listNamespacedPersistentVolumeClaim({ namespace, ...query }) : core.listPersistentVolumeClaimForAllNamespaces(query);
  });
  return { items: list.items as Obj[], continueToken: list.metadata?._continue || undefined, resourceVersion: list.metadata?.resourceVersion };
}

/** Every Service of a namespace (selected by label when given), page by page. */
export async function listServices(side: KubeSide, namespace: string, labelSelector?: string): Promise<V1Service[]> {
  const out: V1Service[] = [];
  let token: string | undefined;
  do {
    const page = await listSyncedPage(side, 'Service', namespace, { limit: 500, continueToken: token, ...(labelSelector ? { labelSelector } : {}) });
    out.push(...(page.items as V1Service[]));
    token = page.continueToken;
  } while (token);
  return out;
}
