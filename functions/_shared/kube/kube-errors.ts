// Kubernetes API errors, classified once: the class decides whether a job retries (transient) or ends with a
// Warning event on the virtual pod (permanent). client-node throws ApiException with the HTTP code and the
// Status body as a string; network failures throw plain errors with a code such as ECONNREFUSED.
import { ApiException } from '@kubernetes/client-node';

export interface KubeFailure {
  code: number; // HTTP status, 0 for a network failure
  reason: string; // Status.reason, or the network error code
  message: string;
  transient: boolean;
  retryAfterSeconds?: number;
}

const TRANSIENT_CODES = new Set([0, 408, 409, 429, 500, 502, 503, 504]);

export function classifyKubeError(err: unknown): KubeFailure {
  if (err instanceof ApiException) {
    const status = parseStatus(err.body);
    const retryAfter = Number(err.headers?.['retry-after'] ?? status?.details?.retryAfterSeconds);
    return {
      code: err.code,
      reason: status?.reason ?? `HTTP${err.code}`,
      message: status?.message ?? `HTTP ${err.code}`,
      transient: TRANSIENT_CODES.has(err.code),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  }
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const reason = String(e?.code ?? e?.cause?.code ?? 'NetworkError');
  return { code: 0, reason, message: String(e?.message ?? err), transient: true };
}

interface StatusBody {
  reason?: string;
  message?: string;
  details?: { retryAfterSeconds?: number };
}

function parseStatus(body: unknown): StatusBody | undefined {
  if (body && typeof body === 'object') return body as StatusBody;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return undefined;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiException && err.code === 404;
export const isAlreadyExists = (err: unknown): boolean => err instanceof ApiException && err.code === 409 && classifyKubeError(err).reason === 'AlreadyExists';
export const isConflict = (err: unknown): boolean => err instanceof ApiException && err.code === 409;

/** The result of a read, or undefined when the object does not exist (404); other failures propagate. */
export async function unlessNotFound<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
