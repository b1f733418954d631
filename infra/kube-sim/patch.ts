// The three PATCH bodies kube-apiserver applies itself (apiserver pkg/endpoints/handlers/patch.go): JSON
// patch, JSON merge patch and strategic merge patch. Each returns a new object; inputs are never mutated.
import jsonpatch from 'fast-json-patch';
import { badRequest, KubeError } from './errors.js';
import type { KubeObject } from './types.js';

export { applyStrategicMergePatch } from './strategic-merge.js';

const MAX_JSON_PATCH_OPERATIONS = 10000;

/** The real server wraps every apply failure in this one generic 422; the cause travels only in logs. */
const patchNotApplied = () =>
  new KubeError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function goTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** RFC 6902. A body that is not a list of operation objects is 400; an operation that cannot apply is 422. */
export function applyJsonPatch(target: KubeObject, ops: unknown): KubeObject {
  if (!Array.isArray(ops)) {
    throw badRequest(`json: cannot unmarshal ${goTypeName(ops)} into Go value of type jsonpatch.Patch`);
  }
  const bad = ops.find((op) => !isPlainObject(op));
  if (bad !== undefined) {
    throw badRequest(`json: cannot unmarshal ${goTypeName(bad)} into Go value of type jsonpatch.Operation`);
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new KubeError(413, 'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  let result: unknown;
  try {
    result = jsonpatch.applyPatch(structuredClone(target), ops as jsonpatch.Operation[], true, true).newDocument;
  } catch {
    throw patchNotApplied();
  }
  if (!isPlainObject(result)) throw patchNotApplied();
  return result as KubeObject;
}

/** RFC 7386 merge of one value into another: objects merge, null deletes, everything else (lists too) replaces. */
export function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeValue(out[key], value);
  }
  return out;
}

export function applyMergePatch(target: KubeObject, patch: unknown): KubeObject {
  if (!isPlainObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${goTypeName(patch)} into Go value of type map[string]interface {}`);
  }
  const result = mergeValue(target, patch) as Record<string, unknown>;
  if (!isPlainObject(result.metadata)) result.metadata = {};
  return result as KubeObject;
}
