// AdmissionReview v1 in and out, as k8s.io/apiserver pkg/admission/plugin/webhook/request/admissionreview.go
// builds and verifies it, plus the Status a denial turns into (webhook/errors/statuserror.go). Pure.
import { KubeError, badRequest, type StatusDetails } from './errors.js';
import type { AdmissionAttributes, KubeObject, UserInfo } from './types.js';
import type { WebhookSpec } from './admission-match.js';

export interface GroupVersionKind { group: string; version: string; kind: string }

/** Subresources whose body is not the parent object. */
const SUBRESOURCE_KINDS: Record<string, GroupVersionKind> = {
  binding: { group: '', version: 'v1', kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
};

export function kindOf(attrs: AdmissionAttributes): GroupVersionKind {
  const special = attrs.subresource ? SUBRESOURCE_KINDS[attrs.subresource] : undefined;
  return special ?? { group: attrs.resource.group, version: attrs.resource.version, kind: attrs.resource.kind };
}

/** A Namespace request carries the namespace's own name as its namespace. */
export function requestNamespace(attrs: AdmissionAttributes): string {
  if (attrs.resource.group === '' && attrs.resource.plural === 'namespaces') return attrs.namespace || attrs.name || attrs.object?.metadata.name || '';
  return attrs.namespace ?? '';
}

const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

function operationOptions(attrs: AdmissionAttributes): Record<string, unknown> | null {
  const kind = OPTIONS_KIND[attrs.operation];
  if (!kind) return null; // CONNECT carries no options
  return { kind, apiVersion: 'meta.k8s.io/v1', ...attrs.options };
}

// Go's authenticationv1.UserInfo marshals with omitempty on every field.
function reviewUser(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (user.username) out.username = user.username;
  if (user.uid) out.uid = user.uid;
  if (user.groups?.length) out.groups = user.groups;
  if (user.extra && Object.keys(user.extra).length) out.extra = user.extra;
  return out;
}

/** The request body of one webhook call, field for field as CreateV1AdmissionReview fills it. */
export function buildReview(uid: string, attrs: AdmissionAttributes, object: KubeObject | undefined): Record<string, unknown> {
  const gvk = kindOf(attrs);
  const gvr = { group: attrs.resource.group, version: attrs.resource.version, resource: attrs.resource.plural };
  const request: Record<string, unknown> = { uid, kind: gvk, resource: gvr };
  if (attrs.subresource) request.subResource = attrs.subresource;
  // No matchPolicy conversion can happen here (one version per resource), so request* equal kind/resource.
  request.requestKind = { ...gvk };
  request.requestResource = { ...gvr };
  if (attrs.subresource) request.requestSubResource = attrs.subresource;
  const name = attrs.name ?? '';
  if (name) request.name = name;
  const namespace = requestNamespace(attrs);
  if (namespace) request.namespace = namespace;
  request.operation = attrs.operation;
  request.userInfo = reviewUser(attrs.user);
  request.object = object ?? null;
  request.oldObject = attrs.oldObject ?? null;
  request.dryRun = attrs.dryRun;
  request.options = operationOptions(attrs);
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request };
}

export interface WebhookStatus {
  code?: number;
  status?: string;
  message?: string;
  reason?: string;
  details?: StatusDetails;
}

export interface VerifiedResponse {
  allowed: boolean;
  result?: WebhookStatus;
  /** Decoded JSON Patch operations, mutating webhooks only. */
  patch?: unknown[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** Thrown for every way a response can be unusable: a call failure, subject to failurePolicy. */
export class InvalidResponse extends Error {}

/** Decode and check a webhook's answer the way VerifyAdmissionResponse does; throws InvalidResponse. */
export function verifyResponse(uid: string, mutating: boolean, body: string): VerifiedResponse {
  let review: { apiVersion?: string; kind?: string; response?: Record<string, unknown> };
  try {
    review = JSON.parse(body);
  } catch (err) {
    throw new InvalidResponse(`failed to call webhook: ${(err as Error).message}`);
  }
  if (!review || typeof review !== 'object' || !review.kind) {
    throw new InvalidResponse(`failed to call webhook: Object 'Kind' is missing in '${body}'`);
  }
  const invalid = (why: string) => new InvalidResponse(`received invalid webhook response: ${why}`);
  const response = review.response;
  if (!response || typeof response !== 'object') throw invalid('webhook response was absent');
  const gotUid = typeof response.uid === 'string' ? response.uid : '';
  if (gotUid !== uid) throw invalid(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(gotUid)}`);
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    throw invalid(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${review.apiVersion ?? ''}, Kind=${review.kind}`);
  }
  const hasPatch = typeof response.patch === 'string' && response.patch.length > 0;
  const hasPatchType = response.patchType !== undefined && response.patchType !== null;
  let patch: unknown[] | undefined;
  if (mutating) {
    if (hasPatch && !hasPatchType) throw invalid('webhook returned response.patch but not response.patchType');
    if (!hasPatch && hasPatchType) throw invalid('webhook returned response.patchType but not response.patch');
    if (hasPatchType && response.patchType !== 'JSONPatch') {
      throw new InvalidResponse(`unsupported patch type ${JSON.stringify(response.patchType)}`);
    }
    if (hasPatch) {
      try {
        const decoded = JSON.parse(Buffer.from(response.patch as string, 'base64').toString('utf8'));
        if (!Array.isArray(decoded)) throw new Error('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
        patch = decoded;
      } catch (err) {
        throw new InvalidResponse(`received undecodable patch in webhook response: ${(err as Error).message}`);
      }
    }
  } else {
    if (hasPatch) throw invalid('validating webhook may not return response.patch');
    if (hasPatchType) throw invalid('validating webhook may not return response.patchType');
  }
  return {
    allowed: response.allowed === true,
    result: (response.status ?? undefined) as WebhookStatus | undefined,
    patch,
    warnings: Array.isArray(response.warnings) ? response.warnings.filter((w): w is string => typeof w === 'string') : [],
    auditAnnotations: (response.auditAnnotations ?? {}) as Record<string, string>,
  };
}

/**
 * A denial as the client sees it (ToStatusErr since kubernetes#77022): the webhook's code, at least 400;
 * status Failure; message `admission webhook "<name>" denied the request: <message or reason>`; the
 * webhook's own reason and details passed through unchanged (so an empty reason stays empty).
 */
export function denialError(webhookName: string, result: WebhookStatus | undefined): KubeError {
  const status = result ?? {};
  const code = typeof status.code === 'number' && status.code >= 400 ? status.code : 400;
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  const message = status.message ? `${deniedBy}: ${status.message}`
    : status.reason ? `${deniedBy}: ${status.reason}`
      : `${deniedBy} without explanation`;
  const err = new KubeError(code, status.reason ?? '', message, status.details);
  if (!status.reason) delete (err.status as { reason?: string }).reason;
  return err;
}

export const dryRunUnsupported = (webhookName: string) =>
  badRequest(`admission webhook ${JSON.stringify(webhookName)} does not support dry run`);

/**
 * Where the call goes. client-go appends `?timeout=<n>s` because the call has a deadline. A service
 * reference cannot be resolved in a simulator (no cluster DNS, no endpoints), so it is returned as the
 * name Go would fail to look up, and the call fails as it would with unresolvable DNS.
 */
export function webhookUrl(webhook: WebhookSpec, timeoutSeconds: number): string {
  const { url, service } = webhook.clientConfig;
  const base = url ?? `https://${service?.name}.${service?.namespace}.svc:${service?.port ?? 443}${service?.path ?? ''}`;
  return `${base}${base.includes('?') ? '&' : '?'}timeout=${timeoutSeconds}s`;
}
