// The in-process API server: what the HTTP layer serves and what the simulated scheduler and kubelet call.
// Create, update and patch follow the real order (defaulting, built-in admission, mutating admission, server
// metadata, strategy, validation, validating admission, storage); delete and list live beside it.
import { randomUUID } from 'node:crypto';
import { KubeError, alreadyExists, badRequest, forbidden, invalid, methodNotAllowed, notFound } from './errors.js';
import { admitMutate, admitValidate, checkNamespaceForCreate, mustGet, scopeOf, timestamp, withManagedFields, type ApiContext } from './api-context.js';
import { deleteObject, finalizeNamespaceIfEmpty } from './api-delete.js';
import { listObjects } from './api-list.js';
import { applyPodAdmissionDefaults, applyPodSchemeDefaults, qosClass, randomSuffix } from './pod-defaults.js';
import { bindPod } from './api-binding.js';
import { createApiHooks } from './api-hooks.js';
import { applyTypeDefaults } from './api-defaults.js';
import { checkFields, prepareUpdate } from './api-update.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { applyConfiguration, fieldsOf as appliedFieldsOf } from './server-side-apply.js';
import { apiVersionOf, configMaps, findResource, namespaces, pods, serviceAccounts } from './resources.js';
import { Store } from './store.js';
import type { Admission, Api, DeleteOptions, KubeList, KubeObject, ListOptions, PatchType, ResourceType, WatchEvent, WatchOptions, WriteOptions } from './types.js';
import { validateObjectMeta, validatePodSpec } from './validation.js';
import { applyScale, toScale } from './api-scale.js';
import { prepareWorkloadForCreate } from './workload-defaults.js';
import { validateWorkload } from './workload-validation.js';
import { WatchHub, type BookmarkingWatchHandle } from './watch-hub.js';

export interface ApiOptions {
  /** How many committed changes watch and continue tokens can reach back to before 410 Expired. */
  watchHistory?: number;
  now?: () => Date;
  random?: () => number;
  bookmarkIntervalMs?: number;
  /** PEM of the cluster CA, published in every namespace's kube-root-ca.crt ConfigMap. */
  rootCaPem?: string;
  /** The Service ClusterIP range, default 10.96.0.0/12. */
  serviceCidr?: string;
  /** A store to serve, e.g. one restored from disk (persistence.ts); default a new empty one. */
  store?: Store;
  /** Subresource creates served by code outside this file, by "plural/subresource" (serviceaccounts/token). */
  subresources?: Record<string, SubresourceCreate>;
}

/** POST to a subresource of one object: the body as decoded, the answer as sent. */
export type SubresourceCreate = (ctx: ApiContext, namespace: string, name: string, body: KubeObject, wo: WriteOptions) => Promise<KubeObject>;

export type SimApi = Omit<Api, 'watch'> & {
  setAdmission(admission: Admission): void;
  watch(resource: ResourceType, namespace: string | undefined, opts: WatchOptions, onEvent: (event: WatchEvent) => void): BookmarkingWatchHandle;
};

const SEED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function createApi(opts: ApiOptions = {}): SimApi {
  const store = opts.store ?? new Store(opts.watchHistory ?? 10_000);
  const ctx: ApiContext = { store, now: opts.now ?? (() => new Date()), random: opts.random ?? Math.random };
  ctx.hooks = createApiHooks(store, ctx.random, { serviceCidr: opts.serviceCidr });
  const hub = new WatchHub(store, { bookmarkIntervalMs: opts.bookmarkIntervalMs });
  const rootCa = opts.rootCaPem ?? '-----BEGIN CERTIFICATE-----\nkube-sim\n-----END CERTIFICATE-----\n';

  // The namespace controller's last step: a terminating namespace goes once its last object is removed.
  store.subscribe((c) => {
    if (c.type === 'DELETED' && c.namespace && store.get(namespaces, '', c.namespace)?.metadata.deletionTimestamp) {
      setImmediate(() => finalizeNamespaceIfEmpty(ctx, c.namespace));
    }
  });

  /** What the service-account and root-CA controllers add to every new namespace. */
  function populateNamespace(name: string): void {
    const meta = (n: string) => ({ name: n, namespace: name, uid: randomUUID(), creationTimestamp: timestamp(ctx.now()) });
    if (!store.get(serviceAccounts, name, 'default')) store.commit('ADDED', serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('default') });
    if (!store.get(configMaps, name, 'kube-root-ca.crt')) {
      store.commit('ADDED', configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...meta('kube-root-ca.crt'), annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': rootCa } });
    }
  }

  function typeMeta(resource: ResourceType, obj: KubeObject): void {
    obj.apiVersion = apiVersionOf(resource);
    obj.kind = resource.kind;
  }

  async function createObject(resource: ResourceType, namespace: string | undefined, body: KubeObject, wo: WriteOptions, operation: 'Update' | 'Apply' = 'Update'): Promise<KubeObject> {
    if (!body || typeof body !== 'object' || !body.metadata || typeof body.metadata !== 'object') body = { ...body, metadata: {} };
    const obj = structuredClone(body) as KubeObject;
    checkFields(resource, obj, wo);
    const ns = scopeOf(resource, namespace ?? obj.metadata.namespace);
    if (resource.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      if (!ns) throw badRequest('the namespace of the object is required');
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    typeMeta(resource, obj);
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'resourceVersion', 'generation', 'selfLink'] as const) delete obj.metadata[k];
    withManagedFields(ctx, resource, obj, wo, operation);
    const displayName = obj.metadata.name ?? '';
    checkNamespaceForCreate(ctx, resource, ns, displayName);

    if (resource === pods) {
      applyPodSchemeDefaults(obj);
      const spec = obj.spec as Record<string, any>;
      const saName = spec.serviceAccountName || 'default';
      const sa = store.get(serviceAccounts, ns, saName);
      if (!sa) throw forbidden('pods', '', displayName, `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
      applyPodAdmissionDefaults(obj, sa, ctx.random);
    }
    if (resource === namespaces) {
      obj.spec = { finalizers: ['kubernetes'] };
    }
    applyTypeDefaults(resource, obj);
    ctx.hooks?.admitCreate(resource, obj);

    let next = (await admitMutate(ctx, { operation: 'CREATE', resource, namespace: ns, name: displayName, object: obj, opts: wo }))!;
    typeMeta(resource, next);
    if (resource === pods) applyPodSchemeDefaults(next);
    applyTypeDefaults(resource, next);

    if (!next.metadata.name && next.metadata.generateName) {
      const base = next.metadata.generateName.slice(0, 58);
      let tries = 0;
      do next.metadata.name = base + randomSuffix(5, ctx.random);
      while (store.get(resource, ns, next.metadata.name) && ++tries < 8);
      if (store.get(resource, ns, next.metadata.name)) {
        const err = alreadyExists(resource.plural, resource.group, next.metadata.name);
        throw new KubeError(409, 'AlreadyExists', `${err.message}, the server was not able to generate a unique name for the object`, { ...err.status.details, retryAfterSeconds: 1 });
      }
    }
    if (resource === namespaces && next.metadata.name) next.metadata.labels = { ...next.metadata.labels, 'kubernetes.io/metadata.name': next.metadata.name };
    next.metadata.uid = randomUUID();
    next.metadata.creationTimestamp = timestamp(ctx.now());
    if (resource.hasSpec) next.metadata.generation = 1;
    if (resource === pods) next.status = { phase: 'Pending', qosClass: qosClass((next.spec ?? {}) as Record<string, unknown>) };
    if (resource === namespaces) next.status = { phase: 'Active' };
    ctx.hooks?.beginCreate(resource, next, wo);
    prepareWorkloadForCreate(resource, next);

    const causes = validateObjectMeta(resource, next);
    if (resource === pods) causes.push(...validatePodSpec(next));
    causes.push(...validateWorkload(resource, next));
    if (causes.length) throw invalid(resource.kind, resource.group, next.metadata.name ?? '', causes);
    await admitValidate(ctx, { operation: 'CREATE', resource, namespace: ns, name: next.metadata.name!, object: next, opts: wo });
    if (store.get(resource, ns, next.metadata.name!)) throw alreadyExists(resource.plural, resource.group, next.metadata.name!);
    // Admission awaited: the namespace may have started terminating meanwhile.
    checkNamespaceForCreate(ctx, resource, ns, next.metadata.name!);
    if (wo.dryRun) return next;
    const stored = store.commit('ADDED', resource, next);
    if (resource === namespaces) populateNamespace(stored.metadata.name!);
    return structuredClone(stored) as KubeObject;
  }

  async function updateWith(resource: ResourceType, stored: KubeObject, candidate: KubeObject, wo: WriteOptions, subresource: string | undefined, operation: 'Update' | 'Apply' = 'Update'): Promise<KubeObject> {
    const ns = scopeOf(resource, stored.metadata.namespace);
    const name = stored.metadata.name!;
    let next = prepareUpdate(ctx, resource, stored, candidate, wo, subresource, operation);
    if (next === stored) return structuredClone(stored) as KubeObject;
    if (ctx.admission) {
      const base = { operation: 'UPDATE' as const, resource, subresource, namespace: ns, name, opts: wo };
      const mutated = await admitMutate(ctx, { ...base, object: next, oldObject: stored });
      if (mutated && mutated !== next) next = prepareUpdate(ctx, resource, stored, structuredClone(mutated) as KubeObject, wo, subresource, operation);
      if (next === stored) return structuredClone(stored) as KubeObject;
      await admitValidate(ctx, { ...base, object: next, oldObject: stored });
    }
    if (store.get(resource, ns, name) !== stored) throw new ChangedDuringAdmission(conflictAfterAdmission(resource, name));
    if (wo.dryRun) return next;
    const meta = next.metadata;
    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0 && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
      return structuredClone(store.commit('DELETED', resource, next, stored)) as KubeObject;
    }
    return structuredClone(store.commit('MODIFIED', resource, next, stored)) as KubeObject;
  }

  /**
   * The object changed while admission ran. Like the real server's GuaranteedUpdate, a write without a
   * resourceVersion precondition (a patch, an unconditional PUT) is tried again on the fresh object; one with
   * a precondition fails with the Conflict inside.
   */
  class ChangedDuringAdmission extends Error {
    constructor(readonly conflict: KubeError) {
      super(conflict.message);
    }
  }

  /** The real server retries a patch that lost such a race up to 5 times (maxRetryWhenPatchConflicts). */
  async function retryingConflicts<T>(attempt: () => Promise<T>, retry: boolean): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof ChangedDuringAdmission)) throw err;
        if (!retry || tries >= 5) throw err.conflict;
      }
    }
  }

  function conflictAfterAdmission(resource: ResourceType, name: string) {
    return new KubeError(409, 'Conflict', `Operation cannot be fulfilled on ${resource.group ? `${resource.plural}.${resource.group}` : resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: resource.group, kind: resource.plural });
  }

  function uidMismatch(resource: ResourceType, name: string, given: string, actual: string) {
    return new KubeError(409, 'Conflict', `Operation cannot be fulfilled on ${resource.group ? `${resource.plural}.${resource.group}` : resource.plural} "${name}": Precondition failed: UID in precondition: ${given}, UID in object meta: ${actual}`, { name, group: resource.group, kind: resource.plural });
  }

  /** PUT or PATCH of /scale: the Scale view of the stored object, changed, written back as its spec.replicas. */
  async function writeScale(resource: ResourceType, namespace: string | undefined, name: string, wo: WriteOptions, retry: boolean, change: (scale: KubeObject) => KubeObject): Promise<KubeObject> {
    const ns = scopeOf(resource, namespace);
    return retryingConflicts(async () => {
      const stored = mustGet(ctx, resource, ns, name);
      const scale = change(toScale(stored));
      const rv = scale?.metadata?.resourceVersion;
      if (rv && rv !== stored.metadata.resourceVersion) throw conflictAfterAdmission(resource, name);
      const candidate = applyScale(stored, structuredClone(stored) as KubeObject, scale);
      return toScale(await updateWith(resource, stored, candidate, wo, undefined));
    }, retry);
  }

  function checkSubresource(resource: ResourceType, subresource: string | undefined, method: string): void {
    if (subresource === undefined || subresource === '') return;
    if (!resource.subresources.includes(subresource) || subresource === 'binding') throw methodNotAllowed(method);
  }

  const api: SimApi = {
    setAdmission(admission: Admission) {
      ctx.admission = admission;
    },
    resourceFor: findResource,
    currentResourceVersion: () => String(store.currentRv()),

    get(resource, namespace, name, subresource) {
      checkSubresource(resource, subresource, 'GET');
      if (subresource === 'scale') return toScale(mustGet(ctx, resource, scopeOf(resource, namespace), name));
      return structuredClone(mustGet(ctx, resource, scopeOf(resource, namespace), name)) as KubeObject;
    },

    list(resource, namespace, lo: ListOptions): KubeList {
      return listObjects(store, resource, resource.namespaced ? namespace || undefined : undefined, lo);
    },

    async create(resource, namespace, body, wo, sub) {
      if (sub) {
        if (resource === pods && sub.subresource === 'binding') return bindPod(ctx, scopeOf(resource, namespace), sub.name, body, wo);
        const handler = opts.subresources?.[`${resource.plural}/${sub.subresource}`];
        if (handler) return handler(ctx, scopeOf(resource, namespace), sub.name, body, wo);
        throw methodNotAllowed('POST');
      }
      return createObject(resource, namespace, body, wo);
    },

    async update(resource, namespace, name, body, wo, subresource) {
      checkSubresource(resource, subresource, 'PUT');
      if (body?.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
      if (subresource === 'scale') return writeScale(resource, namespace, name, wo, !body?.metadata?.resourceVersion, () => structuredClone(body));
      body = structuredClone(body);
      checkFields(resource, body, wo);
      const ns = scopeOf(resource, namespace);
      if (resource.namespaced && body?.metadata?.namespace && body.metadata.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      const rv = body?.metadata?.resourceVersion;
      return retryingConflicts(async () => {
        const stored = mustGet(ctx, resource, ns, name);
        const uid = body?.metadata?.uid;
        if (uid && uid !== stored.metadata.uid) throw uidMismatch(resource, name, uid, stored.metadata.uid!);
        if (rv && rv !== stored.metadata.resourceVersion) throw conflictAfterAdmission(resource, name);
        return updateWith(resource, stored, structuredClone(body), wo, subresource);
      }, !rv);
    },

    async patch(resource, namespace, name, patchType: PatchType, patchBody, wo, subresource) {
      checkSubresource(resource, subresource, 'PATCH');
      const ns = scopeOf(resource, namespace);
      if (patchType === 'apply' && !wo.fieldManager) throw badRequest('PATCH requests with apply content type require fieldManager to be specified');
      if (subresource === 'scale') {
        return { object: await writeScale(resource, namespace, name, wo, true, (scale) => patchType === 'json' ? applyJsonPatch(scale, patchBody)
          : patchType === 'strategic' ? applyStrategicMergePatch(scale, patchBody, 'Scale') : applyMergePatch(scale, patchBody)), created: false };
      }
      return retryingConflicts(async () => {
        const stored = store.get(resource, ns, name);
        if (!stored) {
          if (patchType !== 'apply' || subresource) throw notFound(resource.plural, resource.group, name);
          const body = structuredClone(patchBody) as KubeObject;
          body.metadata = { ...(body?.metadata ?? {}), name };
          return { object: await createObject(resource, namespace, body, { ...wo, appliedFields: appliedFieldsOf(body, resource.kind) }, 'Apply'), created: true };
        }
        const base = structuredClone(stored) as KubeObject;
        let patched: KubeObject;
        let writeOpts = wo;
        if (patchType === 'json') patched = applyJsonPatch(base, patchBody);
        else if (patchType === 'strategic') patched = applyStrategicMergePatch(base, patchBody, resource.kind);
        else if (patchType === 'apply') {
          const applied = applyConfiguration(base, patchBody, wo.fieldManager!, resource.kind);
          patched = applied.object;
          writeOpts = { ...wo, appliedFields: applied.fields };
        } else patched = applyMergePatch(base, patchBody);
        checkFields(resource, patched, wo);
        if (patched.metadata?.resourceVersion !== stored.metadata.resourceVersion) throw conflictAfterAdmission(resource, name);
        if (patched.metadata?.uid !== stored.metadata.uid) throw uidMismatch(resource, name, String(patched.metadata?.uid), stored.metadata.uid!);
        return { object: await updateWith(resource, stored, patched, writeOpts, subresource, patchType === 'apply' ? 'Apply' : 'Update'), created: false };
      }, true);
    },

    delete(resource, namespace, name, del: DeleteOptions, wo) {
      return deleteObject(ctx, resource, namespace, name, del, wo);
    },

    async deleteCollection(resource, namespace, lo, del, wo) {
      const matches = listObjects(store, resource, resource.namespaced ? namespace || undefined : undefined, { labelSelector: lo.labelSelector, fieldSelector: lo.fieldSelector });
      const items: KubeObject[] = [];
      for (const obj of matches.items) {
        try {
          items.push((await deleteObject(ctx, resource, obj.metadata.namespace, obj.metadata.name!, del, wo)).object);
        } catch (err) {
          if (!(err instanceof KubeError && err.code === 404)) throw err;
        }
      }
      return { kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(store.currentRv()) }, items };
    },

    watch(resource, namespace, wo, onEvent) {
      return hub.watch(resource, resource.namespaced ? namespace || undefined : undefined, wo, onEvent);
    },
  };

  for (const name of SEED_NAMESPACES) {
    if (store.get(namespaces, '', name)) continue; // a restored store has them already
    store.commit('ADDED', namespaces, {
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name, uid: randomUUID(), creationTimestamp: timestamp(ctx.now()), labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
    });
    populateNamespace(name);
  }
  return api;
}
