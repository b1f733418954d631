// One request on a resource path, mapped to the Api call the real handlers make (get, list, watch, create,
// update, patch, delete, deletecollection) with the request-level checks they do before storage is reached:
// scope, subresource, body kind/apiVersion, name on the URL, decoding and strict field validation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeObject, decodePatch, patchTypeOf, readBody } from './body.js';
import { badRequest, KubeError, methodNotAllowed, successStatus, type Status } from './errors.js';
import type { HttpDeps } from './http.js';
import { deleteOptions, isWatch, listOptions, watchOptions, writeParams } from './query.js';
import { apiVersionOf } from './resources.js';
import { sendJson, warningHeaders } from './respond.js';
import type { ResourcePath } from './router.js';
import { checkStrictFields } from './field-validation.js';
import { tableTransform, wantsTable } from './table-output.js';
import type { AuditObjectRef, AuditStage, KubeObject, UserInfo, WriteOptions } from './types.js';
import { serveWatch, type OpenWatch } from './watch-stream.js';
import { STREAM_SUBRESOURCES } from './streaming/pod-streams.js';

/** Per-request bookkeeping shared with http.ts: who, which verb, and the audit/metrics hooks. */
export interface Exchange {
  user: UserInfo;
  verb: string;
  metricsVerb: string;
  resourceLabel: string;
  objectRef: AuditObjectRef | undefined;
  requestObject: unknown;
  received: Date;
  done: boolean;
  stage(stage: AuditStage, code?: number, responseObject?: unknown, status?: Status): void;
  complete(code: number, responseObject?: unknown, status?: Status): void;
}

// Always with details (empty for an unknown route, as kube-apiserver answers): kubectl debug reads details.name.
const NOT_FOUND = () => new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});

const SUBRESOURCE_METHODS: Record<string, string[]> = {
  status: ['GET', 'PUT', 'PATCH'],
  ephemeralcontainers: ['GET', 'PUT', 'PATCH'],
  binding: ['POST'],
  finalize: ['PUT'],
  scale: ['GET', 'PUT', 'PATCH'],
  token: ['POST'],
};

/** Subresources a POST creates, with the kind and apiVersion their body carries. */
const POST_SUBRESOURCES: Record<string, { kind: string; apiVersion: string }> = {
  binding: { kind: 'Binding', apiVersion: 'v1' },
  token: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1' },
};

/** The Kubernetes verb (audit) and the apiserver_request_total verb label of a request. */
export function kubeVerb(method: string, path: ResourcePath, watch: boolean): [verb: string, metricsVerb: string] {
  switch (method) {
    case 'GET':
      if (path.name) return ['get', 'GET'];
      return watch ? ['watch', 'WATCH'] : ['list', 'LIST'];
    case 'POST': return ['create', 'POST'];
    case 'PUT': return ['update', 'PUT'];
    case 'PATCH': return ['patch', 'PATCH'];
    case 'DELETE': return path.name ? ['delete', 'DELETE'] : ['deletecollection', 'DELETECOLLECTION'];
    default: return ['', method];
  }
}

/** Checks the kind and apiVersion a body declares, filling them in when absent as the decoder's defaults do. */
function checkTypeMeta(body: unknown, kind: string, apiVersion: string): KubeObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: expected an object`);
  }
  const obj = body as KubeObject;
  const declaredKind = obj.kind ?? kind;
  const declaredVersion = obj.apiVersion ?? apiVersion;
  if (declaredKind !== kind) {
    const [group, version] = declaredVersion.includes('/') ? declaredVersion.split('/') : ['', declaredVersion];
    const internal = `${group ? group.split('.')[0] : 'core'}.${kind}`;
    throw badRequest(`${declaredKind} in version "${version}" cannot be handled as a ${kind}: converting (${version}.${declaredKind}) to (${internal}): unknown conversion`);
  }
  if (declaredVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${declaredVersion}) does not match the expected API version (${apiVersion})`);
  }
  obj.kind = declaredKind;
  obj.apiVersion = declaredVersion;
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  return obj;
}

export async function serveResource(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, path: ResourcePath, params: URLSearchParams, ex: Exchange, openWatches: Set<OpenWatch>): Promise<void> {
  const method = req.method ?? 'GET';
  const watch = method === 'GET' && !path.name && isWatch(params);
  [ex.verb, ex.metricsVerb] = kubeVerb(method, path, watch);
  ex.resourceLabel = path.subresource ? `${path.plural}/${path.subresource}` : path.plural;
  const resource = deps.api.resourceFor(path.group, path.version, path.plural);
  ex.objectRef = { resource: path.plural, namespace: path.namespace, name: path.name, apiGroup: path.group || undefined, apiVersion: path.version, subresource: path.subresource };
  ex.stage('RequestReceived');
  if (!resource) throw NOT_FOUND();
  // Namespaced types are addressed with a namespace except for the all-namespaces list/watch; cluster types never.
  if (resource.namespaced ? !path.namespace && (path.name || method !== 'GET') : path.namespace !== undefined) throw NOT_FOUND();
  if (path.subresource) {
    // log, exec, attach and portforward reach here only when no PodStreams serves them (see http.ts).
    if (!resource.subresources.includes(path.subresource) || STREAM_SUBRESOURCES.has(path.subresource)) throw NOT_FOUND();
    if (!SUBRESOURCE_METHODS[path.subresource]?.includes(method)) throw methodNotAllowed(method);
  }
  if (!ex.verb || (!path.name && (method === 'PUT' || method === 'PATCH')) || (path.name && method === 'POST' && !POST_SUBRESOURCES[path.subresource ?? ''])) {
    throw methodNotAllowed(method);
  }
  const pretty = params.get('pretty') === 'true' || params.get('pretty') === '1';
  const accept = req.headers.accept;
  const table = wantsTable(accept) ? tableTransform(resource, params, deps.now) : undefined;
  const ns = resource.namespaced ? path.namespace : undefined;

  const reply = (code: number, body: unknown, warnings?: string[]) => {
    const headers = warningHeaders(warnings);
    const out = table && body && typeof body === 'object' && (body as KubeObject).kind !== 'Status' && (body as KubeObject).kind !== 'Scale' ? table.convert(body as KubeObject) : body;
    sendJson(res, code, out, pretty, headers ? { Warning: headers } : undefined);
    const obj = body as KubeObject | undefined;
    // The audit objectRef names the object a single-object call touched, as the real server fills it in.
    if (ex.objectRef && obj?.metadata && obj.kind !== 'Status' && ex.verb !== 'list' && ex.verb !== 'deletecollection') {
      ex.objectRef.name ??= obj.metadata.name;
      if (obj.metadata.uid) ex.objectRef.uid = obj.metadata.uid;
      if (obj.metadata.resourceVersion) ex.objectRef.resourceVersion = obj.metadata.resourceVersion;
    }
    ex.complete(code, body);
  };

  switch (ex.verb) {
    case 'get':
      reply(200, deps.api.get(resource, ns, path.name!, path.subresource));
      return;
    case 'list':
      reply(200, deps.api.list(resource, ns, listOptions(params)));
      return;
    case 'watch':
      serveWatch(deps.api, deps.metrics, req, res, {
        resource, namespace: ns, options: watchOptions(params),
        transform: table?.convertOne, dropAfterMs: deps.faults.watchLifetimeMs(),
        onStarted: () => ex.stage('ResponseStarted', 200),
        onEnded: () => ex.complete(200),
      }, openWatches);
      return;
  }

  // Writes: the body first (size-limited), then the options that shape the write.
  const raw = method === 'DELETE' && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined
    ? undefined : await readBody(req, deps.maxBodyBytes);
  const write = writeParams(params);
  const opts: WriteOptions = { dryRun: write.dryRun, user: ex.user, warnings: [] };
  if (write.fieldManager) opts.fieldManager = write.fieldManager;
  else if (req.headers['user-agent']) opts.fieldManager = req.headers['user-agent'].split('/')[0];
  if (write.fieldValidation) opts.fieldValidation = write.fieldValidation;
  if (write.force) opts.force = true;

  switch (ex.verb) {
    case 'create': {
      const sub = path.subresource ? POST_SUBRESOURCES[path.subresource] : undefined;
      const kind = sub?.kind ?? resource.kind;
      const body = checkTypeMeta(decodeObject(raw!, req.headers['content-type'], kind), kind, sub?.apiVersion ?? apiVersionOf(resource));
      ex.requestObject = body;
      if (sub) {
        reply(201, await deps.api.create(resource, ns, body, opts, { name: path.name!, subresource: path.subresource! }), opts.warnings);
        return;
      }
      checkStrictFields(resource, body, opts);
      reply(201, await deps.api.create(resource, ns, body, opts), opts.warnings);
      return;
    }
    case 'update': {
      // A PUT to /scale carries an autoscaling/v1 Scale, not the object itself.
      const [kind, apiVersion] = path.subresource === 'scale' ? ['Scale', 'autoscaling/v1'] : [resource.kind, apiVersionOf(resource)];
      const body = checkTypeMeta(decodeObject(raw!, req.headers['content-type'], kind), kind, apiVersion);
      ex.requestObject = body;
      if (body.metadata.name !== undefined && body.metadata.name !== path.name) {
        throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${path.name})`);
      }
      if (path.subresource !== 'scale') checkStrictFields(resource, body, opts);
      reply(200, await deps.api.update(resource, ns, path.name!, body, opts, path.subresource), opts.warnings);
      return;
    }
    case 'patch': {
      const patchType = patchTypeOf(req.headers['content-type']);
      if (patchType === 'apply') {
        if (!write.fieldManager) throw new KubeError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
        ex.metricsVerb = 'APPLY';
      }
      const patch = decodePatch(raw ?? Buffer.alloc(0), patchType);
      ex.requestObject = patch;
      const { object, created } = await deps.api.patch(resource, ns, path.name!, patchType, patch, opts, path.subresource);
      reply(created ? 201 : 200, object, opts.warnings);
      return;
    }
    case 'delete': {
      const bodyObj = raw && raw.length > 0 ? decodePatch(raw, 'merge') : undefined;
      const { del, dryRun } = deleteOptions(params, bodyObj);
      ex.requestObject = bodyObj;
      opts.dryRun = opts.dryRun || dryRun;
      const { object, gone } = await deps.api.delete(resource, ns, path.name!, del, opts);
      if (gone && !resource.returnDeletedObject) {
        reply(200, successStatus({ name: object.metadata.name, group: resource.group, kind: resource.plural, uid: object.metadata.uid }), opts.warnings);
      } else {
        reply(200, object, opts.warnings);
      }
      return;
    }
    case 'deletecollection': {
      const bodyObj = raw && raw.length > 0 ? decodePatch(raw, 'merge') : undefined;
      const { del, dryRun } = deleteOptions(params, bodyObj);
      ex.requestObject = bodyObj;
      opts.dryRun = opts.dryRun || dryRun;
      reply(200, await deps.api.deleteCollection(resource, ns, listOptions(params), del, opts), opts.warnings);
      return;
    }
  }
  throw methodNotAllowed(method);
}
