// Kubernetes Status errors as the real API server reports them: a metav1.Status with the same reason, code and message
// shape (apimachinery pkg/api/errors/errors.go), so clients classify them exactly as they would in a cluster.

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class KubeError extends Error {
  readonly status: Status;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Record<string, string>;

  constructor(code: number, reason: string, message: string, details?: StatusDetails, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'KubeError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details) this.status.details = details;
    this.headers = headers;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }
}

/** `pods "x"` or `pods.admissionregistration.k8s.io "x"`: how the real server names a resource in messages. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (plural: string, group: string, name: string) =>
  new KubeError(404, 'NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, { name, group, kind: plural });

export const alreadyExists = (plural: string, group: string, name: string) =>
  new KubeError(409, 'AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, { name, group, kind: plural });

export const conflict = (plural: string, group: string, name: string, why: string) =>
  new KubeError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`, { name, group, kind: plural });

export const staleObject = (plural: string, group: string, name: string) =>
  conflict(plural, group, name, 'the object has been modified; please apply your changes to the latest version and try again');

/** 422 with one cause per invalid field, message `Pod "x" is invalid: [a, b]` as field.ErrorList prints it. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): KubeError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  // The message names the group-qualified kind (`Deployment.apps "web" is invalid`); details keep the bare kind.
  return new KubeError(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${joined}`, { name, group, kind, causes });
}

export const forbidden = (plural: string, group: string, name: string, why: string) =>
  new KubeError(403, 'Forbidden', `${qualifiedResource(plural, group)} "${name}" is forbidden: ${why}`, { name, group, kind: plural });

export const badRequest = (message: string) => new KubeError(400, 'BadRequest', message);

export const unauthorized = () => new KubeError(401, 'Unauthorized', 'Unauthorized');

export const methodNotAllowed = (method: string) =>
  new KubeError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

export const unsupportedMediaType = (contentType: string) =>
  new KubeError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`);

export const requestEntityTooLarge = (limitBytes: number) =>
  new KubeError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`);

export const expired = (message: string) => new KubeError(410, 'Expired', message);

export const gone = (message: string) => new KubeError(410, 'Gone', message);

export const tooManyRequests = (retryAfterSeconds: number) =>
  new KubeError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });

export const internalError = (message: string) =>
  new KubeError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: 'UnexpectedServerResponse', message }] });

export const serviceUnavailable = (message: string) => new KubeError(503, 'ServiceUnavailable', message);

export const timeout = (message: string) => new KubeError(504, 'Timeout', message);

/** The Status a successful delete of a type without ReturnDeletedObject answers with. */
export function successStatus(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

export function isKubeError(err: unknown): err is KubeError {
  return err instanceof KubeError;
}
