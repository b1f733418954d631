// Query parameters of list, watch, write and delete calls, parsed into the API's option shapes. Pure: a bad
// value is a 400 BadRequest as the real server's parameter codec reports it.
import { badRequest, KubeError } from './errors.js';
import type { DeleteOptions, FieldValidation, ListOptions, WatchOptions } from './types.js';

function integer(params: URLSearchParams, key: string): number | undefined {
  const raw = params.get(key);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`unable to parse "${raw}" for query parameter "${key}": strconv.ParseInt: parsing "${raw}": invalid syntax`);
  return Number(raw);
}

/**
 * A boolean query parameter as apimachinery's Convert_Slice_string_To_bool reads it: absent is unset, "0"
 * and "false" (any case) are false, and anything else, the empty string and the Python client's "True"
 * included, is true.
 */
export function bool(params: URLSearchParams, key: string): boolean | undefined {
  const raw = params.get(key);
  if (raw === null) return undefined;
  return !(raw === '0' || raw.toLowerCase() === 'false');
}

export function isWatch(params: URLSearchParams): boolean {
  return bool(params, 'watch') === true;
}

export function listOptions(params: URLSearchParams): ListOptions {
  const opts: ListOptions = {};
  const labelSelector = params.get('labelSelector');
  if (labelSelector) opts.labelSelector = labelSelector;
  const fieldSelector = params.get('fieldSelector');
  if (fieldSelector) opts.fieldSelector = fieldSelector;
  const limit = integer(params, 'limit');
  if (limit !== undefined && limit > 0) opts.limit = limit;
  const cont = params.get('continue');
  if (cont) opts.continue = cont;
  const rv = params.get('resourceVersion');
  if (rv !== null && rv !== '') opts.resourceVersion = rv;
  const rvMatch = params.get('resourceVersionMatch');
  if (rvMatch) {
    if (rvMatch !== 'Exact' && rvMatch !== 'NotOlderThan') {
      throw new KubeError(422, 'Invalid', `resourceVersionMatch: Unsupported value: "${rvMatch}": supported values: "Exact", "NotOlderThan"`);
    }
    if (!opts.resourceVersion) throw new KubeError(422, 'Invalid', 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    opts.resourceVersionMatch = rvMatch;
  }
  return opts;
}

export function watchOptions(params: URLSearchParams): WatchOptions {
  const opts: WatchOptions = listOptions(params);
  const timeoutSeconds = integer(params, 'timeoutSeconds');
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) opts.timeoutSeconds = timeoutSeconds;
  const bookmarks = bool(params, 'allowWatchBookmarks');
  if (bookmarks) opts.allowWatchBookmarks = true;
  const initial = bool(params, 'sendInitialEvents');
  if (initial !== undefined) opts.sendInitialEvents = initial;
  return opts;
}

export interface WriteParams {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  force?: boolean;
}

export function writeParams(params: URLSearchParams): WriteParams {
  const dryRunValues = params.getAll('dryRun');
  for (const v of dryRunValues) {
    if (v !== 'All') throw new KubeError(400, 'BadRequest', `Invalid dryRun value: ${v}: Unsupported value: "${v}": supported values: "All"`);
  }
  const out: WriteParams = { dryRun: dryRunValues.length > 0 };
  const fieldManager = params.get('fieldManager');
  if (fieldManager) {
    if (fieldManager.length > 128) throw new KubeError(422, 'Invalid', 'fieldManager: Too long: may not be more than 128 bytes');
    out.fieldManager = fieldManager;
  }
  const fv = params.get('fieldValidation');
  if (fv) {
    if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
      throw badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
    }
    out.fieldValidation = fv;
  }
  const force = bool(params, 'force');
  if (force !== undefined) out.force = force;
  return out;
}

const POLICIES = new Set(['Orphan', 'Background', 'Foreground']);

/** DeleteOptions from the body (when one was sent) overlaid with the query, as the delete handler merges them. */
export function deleteOptions(params: URLSearchParams, body: unknown): { del: DeleteOptions; dryRun: boolean } {
  const del: DeleteOptions = {};
  let dryRun = false;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw badRequest(`expected DeleteOptions, got ${String(b.kind)}`);
    if (typeof b.gracePeriodSeconds === 'number') del.gracePeriodSeconds = b.gracePeriodSeconds;
    if (b.preconditions && typeof b.preconditions === 'object') del.preconditions = b.preconditions as DeleteOptions['preconditions'];
    if (typeof b.propagationPolicy === 'string') del.propagationPolicy = b.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (typeof b.orphanDependents === 'boolean') del.orphanDependents = b.orphanDependents;
    if (Array.isArray(b.dryRun)) {
      for (const v of b.dryRun) if (v !== 'All') throw badRequest(`Invalid dryRun value: ${String(v)}`);
      dryRun = b.dryRun.length > 0;
    }
  }
  const grace = integer(params, 'gracePeriodSeconds');
  if (grace !== undefined) del.gracePeriodSeconds = grace;
  const policy = params.get('propagationPolicy');
  if (policy) del.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if (del.propagationPolicy !== undefined && !POLICIES.has(del.propagationPolicy)) {
    throw new KubeError(422, 'Invalid', `propagationPolicy: Unsupported value: "${del.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  const orphan = bool(params, 'orphanDependents');
  if (orphan !== undefined) del.orphanDependents = orphan;
  if (params.getAll('dryRun').length > 0) dryRun = writeParams(params).dryRun;
  return { del, dryRun };
}
