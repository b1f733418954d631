// DELETE as the generic registry store and the pod strategy do it: preconditions, graceful deletion for
// pods, finalizers that hold an object, and the namespace controller's cascade once a namespace terminates.
import { conflict, forbidden } from './errors.js';
import { admitMutate, admitValidate, mustGet, scopeOf, timestamp, type ApiContext } from './api-context.js';
import { finalizersForDelete } from './delete-propagation.js';
import { ALL_RESOURCES, namespaces, pods } from './resources.js';
import type { DeleteOptions, KubeObject, ResourceType, UserInfo, WriteOptions } from './types.js';

const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
const NAMESPACE_CONTROLLER: UserInfo = { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };

export interface DeleteResult { object: KubeObject; gone: boolean }

function checkPreconditions(resource: ResourceType, stored: KubeObject, del: DeleteOptions): void {
  const p = del.preconditions;
  const name = stored.metadata.name!;
  if (p?.uid && p.uid !== stored.metadata.uid) {
    throw conflict(resource.plural, resource.group, name, `the UID in the precondition (${p.uid}) does not match the UID in record (${stored.metadata.uid}). The object might have been deleted and then recreated`);
  }
  if (p?.resourceVersion && p.resourceVersion !== stored.metadata.resourceVersion) {
    throw conflict(resource.plural, resource.group, name, `the ResourceVersion in the precondition (${p.resourceVersion}) does not match the ResourceVersion in record (${stored.metadata.resourceVersion}). The object might have been modified`);
  }
}

/** The pod strategy's CheckGracefulDelete: the option, else the spec's period; 0 when unscheduled or terminal. */
export function podGracePeriod(pod: KubeObject, del: DeleteOptions): number {
  const spec = (pod.spec ?? {}) as Record<string, any>;
  const phase = (pod.status as Record<string, any> | undefined)?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = del.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  return grace < 0 ? 1 : grace;
}

export async function deleteObject(ctx: ApiContext, resource: ResourceType, namespace: string | undefined, name: string, del: DeleteOptions, opts: WriteOptions): Promise<DeleteResult> {
  const ns = scopeOf(resource, namespace);
  const before = mustGet(ctx, resource, ns, name);
  if (resource === namespaces && UNDELETABLE_NAMESPACES.has(name)) throw forbidden('namespaces', '', name, 'this namespace may not be deleted');
  checkPreconditions(resource, before, del);
  const extraOptions: Record<string, unknown> = {};
  for (const k of ['gracePeriodSeconds', 'preconditions', 'propagationPolicy', 'orphanDependents'] as const) if (del[k] !== undefined) extraOptions[k] = del[k];
  const admitReq = { operation: 'DELETE' as const, resource, namespace: ns, name, oldObject: before, opts, extraOptions };
  await admitMutate(ctx, admitReq);
  await admitValidate(ctx, admitReq);
  // Admission awaited: work on the object as it stands now, so a write that landed meanwhile is not undone.
  const stored = mustGet(ctx, resource, ns, name);
  checkPreconditions(resource, stored, del);

  const grace = resource === pods ? podGracePeriod(stored, del) : 0;
  if (resource === namespaces) return startNamespaceTermination(ctx, stored, opts);
  // propagationPolicy Foreground/Orphan hold the object with a finalizer the garbage collector removes.
  const finalizers = finalizersForDelete(resource, stored, del, opts.warnings);
  const finalizersChanged = finalizers.join('\0') !== (stored.metadata.finalizers ?? []).join('\0');
  const meta = stored.metadata;

  if (meta.deletionTimestamp) {
    // Already terminating: a delete may only shorten the period, and grace 0 without finalizers removes it.
    const current = meta.deletionGracePeriodSeconds ?? 0;
    if (grace === 0 && finalizers.length === 0) return remove(ctx, resource, stored, opts);
    if (grace < current) return markDeleting(ctx, resource, stored, grace, opts, false, finalizers);
    if (!finalizersChanged || opts.dryRun) return { object: structuredClone(stored) as KubeObject, gone: false };
    const next = structuredClone(stored) as KubeObject;
    if (finalizers.length) next.metadata.finalizers = finalizers;
    else delete next.metadata.finalizers;
    return { object: structuredClone(ctx.store.commit('MODIFIED', resource, next, stored)) as KubeObject, gone: false };
  }
  if (grace > 0 || finalizers.length > 0) return markDeleting(ctx, resource, stored, grace, opts, true, finalizers);
  return remove(ctx, resource, stored, opts);
}

function markDeleting(ctx: ApiContext, resource: ResourceType, stored: KubeObject, grace: number, opts: WriteOptions, first: boolean, finalizers: string[]): DeleteResult {
  const next = structuredClone(stored) as KubeObject;
  if (finalizers.length) next.metadata.finalizers = finalizers;
  else delete next.metadata.finalizers;
  next.metadata.deletionTimestamp = timestamp(new Date(ctx.now().getTime() + grace * 1000));
  next.metadata.deletionGracePeriodSeconds = grace;
  if (first && resource.hasSpec) next.metadata.generation = (next.metadata.generation ?? 0) + 1;
  if (opts.dryRun) return { object: next, gone: false };
  return { object: structuredClone(ctx.store.commit('MODIFIED', resource, next, stored)) as KubeObject, gone: false };
}

function remove(ctx: ApiContext, resource: ResourceType, stored: KubeObject, opts: WriteOptions): DeleteResult {
  if (opts.dryRun) return { object: structuredClone(stored) as KubeObject, gone: true };
  const final = ctx.store.commit('DELETED', resource, stored, stored);
  return { object: structuredClone(final) as KubeObject, gone: true };
}

/** Namespace: Terminating now; the content is deleted right after the answer, then the namespace goes. */
function startNamespaceTermination(ctx: ApiContext, stored: KubeObject, opts: WriteOptions): DeleteResult {
  if (stored.metadata.deletionTimestamp) return { object: structuredClone(stored) as KubeObject, gone: false };
  const next = structuredClone(stored) as KubeObject;
  next.metadata.deletionTimestamp = timestamp(ctx.now());
  next.metadata.deletionGracePeriodSeconds = 0;
  next.status = { ...(next.status as object), phase: 'Terminating' };
  if (opts.dryRun) return { object: next, gone: false };
  const committed = ctx.store.commit('MODIFIED', namespaces, next, stored);
  setImmediate(() => void cascadeNamespace(ctx, stored.metadata.name!));
  return { object: structuredClone(committed) as KubeObject, gone: false };
}

async function cascadeNamespace(ctx: ApiContext, namespace: string): Promise<void> {
  const opts: WriteOptions = { dryRun: false, user: NAMESPACE_CONTROLLER, fieldManager: 'kube-controller-manager' };
  for (const resource of ALL_RESOURCES) {
    if (!resource.namespaced) continue;
    for (const obj of ctx.store.list(resource, namespace)) {
      if (obj.metadata.deletionTimestamp) continue;
      try {
        await deleteObject(ctx, resource, namespace, obj.metadata.name!, { propagationPolicy: 'Background' }, opts);
      } catch {
        // Gone meanwhile, or refused by admission: the namespace stays Terminating, as with the real controller.
      }
    }
  }
  finalizeNamespaceIfEmpty(ctx, namespace);
}

/** Removes a terminating namespace once nothing is left in it; called after each removal inside it. */
export function finalizeNamespaceIfEmpty(ctx: ApiContext, namespace: string): void {
  const ns = ctx.store.get(namespaces, '', namespace);
  if (!ns?.metadata.deletionTimestamp || !ctx.store.namespaceEmpty(namespace)) return;
  if ((ns.metadata.finalizers ?? []).length > 0) return;
  const final = structuredClone(ns) as KubeObject;
  final.spec = { ...(final.spec as object), finalizers: [] };
  ctx.store.commit('DELETED', namespaces, final, ns);
}
