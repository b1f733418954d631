// The update strategy of PUT and PATCH: server-owned metadata kept, the main resource and its status
// subresource each changing only their half, pod spec rules, generation, and no-op detection.
import { invalid } from './errors.js';
import { withManagedFields, type ApiContext } from './api-context.js';
import { applyTypeDefaults, immutableDataCauses } from './api-defaults.js';
import { ephemeralContainersCandidate, validateEphemeralContainers, validateEphemeralContainersUpdate } from './ephemeral-containers.js';
import { applyPodSchemeDefaults } from './pod-defaults.js';
import { apiVersionOf, namespaces, pods } from './resources.js';
import { strictDecodingError, unknownFieldMessages, unknownFields } from './schema.js';
import type { KubeObject, ResourceType, WriteOptions } from './types.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate, validatePodSpecUpdate } from './validation.js';
import { validateWorkloadUpdate } from './workload-validation.js';

/**
 * fieldValidation: Strict refuses unknown fields (400), Warn (the default) reports them, Ignore says nothing.
 * Like the real decoder, Warn and Ignore then drop them: they are never stored. `obj` must be the caller's own copy.
 */
export function checkFields(resource: ResourceType, obj: unknown, wo: WriteOptions): void {
  const mode = wo.fieldValidation ?? 'Warn';
  const paths = unknownFields(resource.kind, obj);
  if (paths.length === 0) return;
  if (mode === 'Strict') throw strictDecodingError(paths);
  if (mode === 'Warn') wo.warnings?.push(...unknownFieldMessages(paths));
  for (const path of paths) removePath(obj, path);
}

/** Splits "spec.containers[0].foo" (the schema walker's paths) into keys and indexes. */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '.') { i++; continue; }
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      out.push(path.slice(i + 1, end < 0 ? path.length : end));
      i = end < 0 ? path.length : end + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}

function removePath(obj: unknown, path: string): void {
  const segs = pathSegments(path);
  let cur: any = obj;
  for (const seg of segs.slice(0, -1)) {
    cur = cur?.[seg];
    if (cur === null || typeof cur !== 'object') return;
  }
  if (cur && typeof cur === 'object') delete cur[segs[segs.length - 1]];
}

const SERVER_OWNED = ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'resourceVersion', 'managedFields'] as const;

function withoutManagedFields(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata, managedFields: undefined } };
}

/**
 * The object an update would store, or `stored` itself when the write changes nothing (the real server then
 * skips the write and keeps the resourceVersion). Throws 422 when the change is not allowed. Takes ownership
 * of `candidate` (callers pass their own copy; copying again would double the cost of every write).
 */
export function prepareUpdate(ctx: ApiContext, resource: ResourceType, stored: KubeObject, candidate: KubeObject, wo: WriteOptions, subresource: string | undefined, operation: 'Update' | 'Apply'): KubeObject {
  let next = (candidate && typeof candidate === 'object' ? candidate : {}) as KubeObject;
  if (!next.metadata || typeof next.metadata !== 'object') next.metadata = {};
  for (const k of SERVER_OWNED) {
    if (stored.metadata[k] === undefined) delete next.metadata[k];
    else (next.metadata as Record<string, unknown>)[k] = structuredClone(stored.metadata[k]);
  }
  next.apiVersion = apiVersionOf(resource);
  next.kind = resource.kind;

  if (subresource === 'status') {
    if (resource === pods) {
      // The pod status strategy keeps spec and ownerReferences; labels, annotations and finalizers may move.
      next.spec = structuredClone(stored.spec);
      if (stored.metadata.ownerReferences) next.metadata.ownerReferences = structuredClone(stored.metadata.ownerReferences);
      else delete next.metadata.ownerReferences;
    } else {
      const status = next.status;
      next = structuredClone(stored) as KubeObject;
      if (status === undefined) delete next.status;
      else next.status = status;
    }
  } else if (subresource === 'ephemeralcontainers') {
    applyPodSchemeDefaults(next);
    next = ephemeralContainersCandidate(stored, next);
  } else if (subresource === 'finalize') {
    const finalizers = (next.spec as Record<string, unknown> | undefined)?.finalizers;
    next = structuredClone(stored) as KubeObject;
    next.spec = { ...(next.spec as object), finalizers };
  } else {
    if (resource.hasStatus) {
      if (stored.status === undefined) delete next.status;
      else next.status = structuredClone(stored.status);
    }
    applyTypeDefaults(resource, next);
    if (resource === pods) applyPodSchemeDefaults(next);
    if (resource === namespaces) {
      next.spec = { ...(next.spec as object), finalizers: structuredClone((stored.spec as Record<string, unknown> | undefined)?.finalizers) };
      next.metadata.labels = { ...next.metadata.labels, 'kubernetes.io/metadata.name': stored.metadata.name! };
    }
  }

  const hookCauses = ctx.hooks?.beginUpdate(resource, next, stored, wo, subresource) ?? [];
  const causes = [...validateObjectMeta(resource, next), ...validateObjectMetaUpdate(next, stored), ...immutableDataCauses(resource, next, stored), ...hookCauses];
  if (resource === pods && subresource === undefined) {
    causes.push(...validatePodSpecUpdate((next.spec ?? {}) as Record<string, unknown>, (stored.spec ?? {}) as Record<string, unknown>));
  }
  if (subresource === undefined) causes.push(...validateWorkloadUpdate(resource, next, stored));
  if (resource === pods && subresource === 'ephemeralcontainers') {
    causes.push(...validateEphemeralContainersUpdate((next.spec ?? {}) as Record<string, unknown>, (stored.spec ?? {}) as Record<string, unknown>));
    causes.push(...validateEphemeralContainers((next.spec ?? {}) as Record<string, unknown>));
  }
  if (causes.length) throw invalid(resource.kind, resource.group, stored.metadata.name!, causes);

  if (deepEqual(withoutManagedFields(next), withoutManagedFields(stored))) return stored;
  if (resource.hasSpec && !deepEqual(next.spec, stored.spec)) next.metadata.generation = (stored.metadata.generation ?? 0) + 1;
  withManagedFields(ctx, resource, next, wo, operation, subresource);
  return next;
}
