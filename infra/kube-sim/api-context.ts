// What the write paths of the in-process API share: the store, the clock, admission, and the small rules
// every write applies the same way (server-owned metadata, managedFields, namespace lifecycle).
import { KubeError, forbidden, notFound } from './errors.js';
import { apiVersionOf, namespaces } from './resources.js';
import type { Store } from './store.js';
import type { ApiHooks } from './api-hooks.js';
import type { Admission, AdmissionOperation, KubeObject, ResourceType, WriteOptions } from './types.js';

export interface ApiContext {
  store: Store;
  now(): Date;
  random(): number;
  admission?: Admission;
  /** Per-type admission, allocation and update rules (api-hooks.ts). */
  hooks?: ApiHooks;
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function mustGet(ctx: ApiContext, resource: ResourceType, namespace: string, name: string): KubeObject {
  const obj = ctx.store.get(resource, namespace, name);
  if (!obj) throw notFound(resource.plural, resource.group, name);
  return obj;
}

/** The namespace key objects of this type live under: "" for cluster-scoped types. */
export function scopeOf(resource: ResourceType, namespace: string | undefined): string {
  return resource.namespaced ? namespace ?? '' : '';
}

/** NamespaceLifecycle admission for creates: the namespace must exist and must not be terminating. */
export function checkNamespaceForCreate(ctx: ApiContext, resource: ResourceType, namespace: string, name: string): void {
  if (!resource.namespaced) return;
  const ns = ctx.store.get(namespaces, '', namespace);
  if (!ns) throw notFound('namespaces', '', namespace);
  if (ns.metadata.deletionTimestamp) {
    const err = forbidden(resource.plural, resource.group, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    err.status.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
    throw err;
  }
}

/** A rough FieldsV1: the top two levels of what the manager wrote, enough for clients that display it. */
function fieldsOf(obj: KubeObject, subresource?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = subresource === 'status' ? ['status'] : Object.keys(obj).filter((k) => k !== 'apiVersion' && k !== 'kind' && k !== 'status');
  for (const k of keys) {
    const v = obj[k];
    if (k === 'metadata') {
      const m: Record<string, unknown> = {};
      for (const part of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        const pv = obj.metadata[part];
        if (pv && typeof pv === 'object' && !Array.isArray(pv)) m[`f:${part}`] = Object.fromEntries(Object.keys(pv).map((x) => [`f:${x}`, {}]));
        else if (pv) m[`f:${part}`] = {};
      }
      if (Object.keys(m).length) out['f:metadata'] = m;
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      out[`f:${k}`] = Object.fromEntries(Object.keys(v).map((x) => [`f:${x}`, {}]));
    } else if (v !== undefined) {
      out[`f:${k}`] = {};
    }
  }
  return out;
}

/** Records the write's manager: replaces its previous entry for the same operation and subresource. */
export function withManagedFields(ctx: ApiContext, resource: ResourceType, obj: KubeObject, opts: WriteOptions, operation: 'Update' | 'Apply', subresource?: string): void {
  const manager = opts.fieldManager ?? 'unknown';
  const fieldsV1 = operation === 'Apply' && opts.appliedFields ? opts.appliedFields : fieldsOf(obj, subresource);
  const entry: Record<string, unknown> = { manager, operation, apiVersion: apiVersionOf(resource), time: timestamp(ctx.now()), fieldsType: 'FieldsV1', fieldsV1 };
  if (subresource) entry.subresource = subresource;
  const others = (obj.metadata.managedFields ?? []).filter((e) => !(e.manager === manager && e.operation === operation && e.subresource === subresource));
  obj.metadata.managedFields = [...others, entry];
}

export function adminOptions(operation: AdmissionOperation, opts: WriteOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const kind = operation === 'CREATE' ? 'CreateOptions' : operation === 'DELETE' ? 'DeleteOptions' : 'UpdateOptions';
  const options: Record<string, unknown> = { kind, apiVersion: 'meta.k8s.io/v1', ...extra };
  if (opts.dryRun) options.dryRun = ['All'];
  if (opts.fieldManager && operation !== 'DELETE') options.fieldManager = opts.fieldManager;
  if (opts.fieldValidation && operation !== 'DELETE') options.fieldValidation = opts.fieldValidation;
  return options;
}

export interface AdmitRequest {
  operation: AdmissionOperation;
  resource: ResourceType;
  subresource?: string;
  namespace: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  opts: WriteOptions;
  extraOptions?: Record<string, unknown>;
}

// No copies for admission (they were a third of the create cost): `object` is the API's own working copy,
// which mutation may change or replace, and `oldObject` is the frozen stored object, which nobody can change.
function attrs(req: AdmitRequest) {
  return {
    operation: req.operation, resource: req.resource, subresource: req.subresource,
    namespace: req.resource.plural === 'namespaces' ? req.name : req.namespace || undefined, name: req.name,
    object: req.object, oldObject: req.oldObject, options: adminOptions(req.operation, req.opts, req.extraOptions),
    dryRun: req.opts.dryRun, user: req.opts.user, warnings: req.opts.warnings,
  };
}

/** Mutating admission: returns the object to continue with (the input when no admission is set). */
export async function admitMutate(ctx: ApiContext, req: AdmitRequest): Promise<KubeObject | undefined> {
  if (!ctx.admission) return req.object;
  const out = await ctx.admission.mutate(attrs(req));
  return out ?? req.object;
}

/** Validating admission: a KubeError aborts the write; anything else thrown becomes 500 like a webhook failure. */
export async function admitValidate(ctx: ApiContext, req: AdmitRequest): Promise<void> {
  if (!ctx.admission) return;
  try {
    await ctx.admission.validate(attrs(req));
  } catch (err) {
    if (err instanceof KubeError) throw err;
    throw new KubeError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
  }
}
