// The in-process API as the simulated controllers see it: every write is also reported to the audit sink, as
// kube-apiserver audits kube-controller-manager's requests like anyone else's (an audit consumer, podferry
// among them, learns of pods a ReplicaSet created or deleted exactly as of those a user did). Reads go to
// the controllers' caches and are not requests, so they are not audited.
import { randomUUID } from 'node:crypto';
import { isKubeError, successStatus } from './errors.js';
import { SERVER_VERSION } from './discovery.js';
import type { Api, AuditObjectRef, AuditSink, KubeObject, ResourceType, WriteOptions } from './types.js';

const USER_AGENT = `kube-controller-manager/${SERVER_VERSION.gitVersion} (${SERVER_VERSION.platform}) kubernetes/${SERVER_VERSION.gitCommit.slice(0, 7)}`;

const micro = (d: Date) => `${d.toISOString().slice(0, -1)}000Z`;

function pathOf(resource: ResourceType, namespace: string | undefined, name?: string, subresource?: string): string {
  const prefix = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const ns = resource.namespaced && namespace ? `/namespaces/${namespace}` : '';
  return `${prefix}${ns}/${resource.plural}${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`;
}

export function auditedApi(api: Api, audit: AuditSink | undefined, now: () => Date = () => new Date()): Api {
  if (!audit) return api;

  async function record<T>(verb: string, resource: ResourceType, namespace: string | undefined, name: string | undefined, subresource: string | undefined,
    requestObject: unknown, wo: WriteOptions, code: number, call: () => Promise<T>, objectOf: (r: T) => KubeObject | undefined): Promise<T> {
    const objectRef: AuditObjectRef = { resource: resource.plural, namespace: resource.namespaced ? namespace : undefined, name, apiGroup: resource.group || undefined, apiVersion: resource.version, subresource };
    const request = {
      auditID: randomUUID(), verb, requestURI: `${pathOf(resource, namespace, verb === 'create' ? undefined : name, subresource)}${wo.fieldManager ? `?fieldManager=${wo.fieldManager}` : ''}`,
      user: wo.user, sourceIPs: ['127.0.0.1'], userAgent: USER_AGENT, objectRef, requestObject: undefined as unknown, requestReceivedTimestamp: micro(now()),
    };
    audit!.record('RequestReceived', { ...request, objectRef: { ...objectRef } });
    request.requestObject = requestObject;
    try {
      const result = await call();
      const obj = objectOf(result);
      if (obj?.metadata && obj.kind !== 'Status') {
        objectRef.name ??= obj.metadata.name;
        if (obj.metadata.uid) objectRef.uid = obj.metadata.uid;
        if (obj.metadata.resourceVersion) objectRef.resourceVersion = obj.metadata.resourceVersion;
      }
      audit!.record('ResponseComplete', request, { code, responseObject: obj });
      return result;
    } catch (err) {
      if (isKubeError(err)) audit!.record('ResponseComplete', request, { code: err.code, status: err.status });
      throw err;
    }
  }

  return {
    ...api,
    create: (r, ns, body, wo, sub) => record('create', r, ns, sub?.name ?? body.metadata?.name, sub?.subresource, body, wo, 201, () => api.create(r, ns, body, wo, sub), (o) => o),
    update: (r, ns, name, body, wo, sub) => record('update', r, ns, name, sub, body, wo, 200, () => api.update(r, ns, name, body, wo, sub), (o) => o),
    patch: (r, ns, name, type, patch, wo, sub) => record('patch', r, ns, name, sub, patch, wo, 200, () => api.patch(r, ns, name, type, patch, wo, sub), (o) => o.object),
    delete: (r, ns, name, del, wo) => record('delete', r, ns, name, undefined, { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...del }, wo, 200, () => api.delete(r, ns, name, del, wo),
      (o) => (o.gone && !r.returnDeletedObject ? successStatus({ name, group: r.group, kind: r.plural, uid: o.object.metadata.uid }) as unknown as KubeObject : o.object)),
    deleteCollection: (r, ns, lo, del, wo) => record('deletecollection', r, ns, undefined, undefined, del, wo, 200, () => api.deleteCollection(r, ns, lo, del, wo), () => undefined),
    // The spread copies own properties only; these come from the object the API was built as.
    get: api.get.bind(api), list: api.list.bind(api), watch: api.watch.bind(api), resourceFor: api.resourceFor.bind(api),
    currentResourceVersion: api.currentResourceVersion.bind(api),
  };
}
