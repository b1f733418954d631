// Removing host copies of configmaps and secrets, one API call each, with a uid precondition: a copy made
// again meanwhile (a new pod needs it) is never the one deleted.
import { isNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';

export type CopyKind = 'ConfigMap' | 'Secret';

/**
 * Deletes the copy; false when it was already gone (or replaced, the precondition failing with 409 is
 * thrown). With `resourceVersion`, also only the version that was read.
 */
export async function deleteCopy(side: KubeSide, kind: CopyKind, namespace: string, name: string, uid: string | undefined, resourceVersion?: string): Promise<boolean> {
  const preconditions = { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) };
  const body = Object.keys(preconditions).length > 0 ? { preconditions } : {};
  try {
    await side.call('delete', (core) => (kind === 'ConfigMap' ? core.deleteNamespacedConfigMap({ namespace, name, body }) : core.deleteNamespacedSecret({ namespace, name, body })));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** One page of the copies podferry made (by label), for the resync's garbage collection. */
export async function listCopiesPage(side: KubeSide, kind: CopyKind, namespace: string, opts: { labelSelector: string; limit: number; continueToken?: string }) {
  const query = { namespace, labelSelector: opts.labelSelector, limit: opts.limit, ...(opts.continueToken ? { _continue: opts.continueToken } : {}) };
  const list = await side.call('list', (core) => (kind === 'ConfigMap' ? core.listNamespacedConfigMap(query) : core.listNamespacedSecret(query)));
  return {
    items: list.items.map((o) => ({ name: o.metadata?.name ?? '', uid: o.metadata?.uid, annotations: o.metadata?.annotations ?? {}, labels: o.metadata?.labels ?? {} })),
    continueToken: list.metadata?._continue || undefined,
  };
}
