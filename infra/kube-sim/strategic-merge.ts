// Strategic merge patch (apimachinery pkg/util/strategicpatch/patch.go) for built-in kinds: maps merge,
// null deletes, lists merge by their merge key or as a primitive set, other lists are replaced, and the
// directives $patch, $retainKeys, $setElementOrder/<list> and $deleteFromPrimitiveList/<list> apply.
import { badRequest, KubeError } from './errors.js';
import { listStrategy, type ListStrategy } from './patch-strategies.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, unknown>;

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const invalidPatch = (message: string) => new KubeError(422, 'Invalid', message, {});

/** Marks a map the patch deleted with `$patch: delete`, so the parent drops the key. */
const DELETED = Symbol('deleted');

function mergeMap(original: Obj | undefined, patch: Obj, kind: string, path: string): Obj | typeof DELETED {
  const directive = patch[PATCH];
  if (directive === 'delete') return DELETED;
  if (directive === 'replace') return stripDirectives(patch, kind, path);
  if (directive !== undefined && directive !== 'merge') throw invalidPatch(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);

  const out: Obj = isObj(original) ? structuredClone(original) : {};
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw invalidPatch(`$retainKeys should be a list, got ${JSON.stringify(retain)}`);
    for (const key of Object.keys(patch)) {
      if (!key.startsWith('$') && !retain.includes(key)) throw invalidPatch("The content of patch doesn't match retainKeys list");
    }
    for (const key of Object.keys(out)) if (!retain.includes(key)) delete out[key];
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH || key === RETAIN_KEYS || key.startsWith(SET_ORDER)) continue;
    const childPath = path ? `${path}.${key}` : key;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const list = key.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(value)) throw invalidPatch(`${key} should be a list`);
      if (Array.isArray(out[list])) out[list] = (out[list] as unknown[]).filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) { delete out[key]; continue; }
    if (isObj(value)) {
      const merged = mergeMap(isObj(out[key]) ? (out[key] as Obj) : undefined, value, kind, childPath);
      if (merged === DELETED) delete out[key];
      else out[key] = merged;
      continue;
    }
    if (Array.isArray(value)) {
      const order = patch[`${SET_ORDER}${key}`];
      out[key] = mergeList(Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value, Array.isArray(order) ? order : undefined,
        listStrategy(kind, childPath), kind, childPath);
      continue;
    }
    out[key] = value;
  }
  // An order given without the list itself still reorders the stored list (the kubelet's status patch does this).
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const list = key.slice(SET_ORDER.length);
    if (list in patch || !Array.isArray(out[list]) || !Array.isArray(order)) continue;
    const strategy = listStrategy(kind, path ? `${path}.${list}` : list);
    if (strategy.kind !== 'replace') out[list] = reorder(out[list] as unknown[], out[list] as unknown[], [], order, strategy);
  }
  return out;
}

/** A value as it lands where nothing was before: directives resolved against an empty original. */
function stripDirectives(value: unknown, kind: string, path: string): Obj {
  const copy = { ...(value as Obj) };
  delete copy[PATCH];
  const merged = mergeMap(undefined, copy, kind, path);
  return merged === DELETED ? {} : merged;
}

function identity(item: unknown, strategy: ListStrategy): unknown {
  return strategy.kind === 'merge' && isObj(item) ? item[strategy.key] : item;
}

function mergeList(original: unknown[], patch: unknown[], order: unknown[] | undefined, strategy: ListStrategy, kind: string, path: string): unknown[] {
  if (strategy.kind === 'replace') {
    return patch.filter((item) => !(isObj(item) && item[PATCH] !== undefined))
      .map((item) => (isObj(item) ? stripDirectives(item, kind, path) : structuredClone(item)));
  }
  if (patch.some((item) => isObj(item) && item[PATCH] === 'replace')) {
    return mergeList([], patch.filter((item) => !(isObj(item) && item[PATCH] === 'replace')), order, strategy, kind, path);
  }
  if (strategy.kind === 'set') {
    const out = structuredClone(original);
    for (const item of patch) if (!out.includes(item)) out.push(structuredClone(item));
    return order ? reorder(out, original, patch, order, strategy) : out;
  }
  const out = structuredClone(original);
  const touched: unknown[] = [];
  for (const item of patch) {
    if (!isObj(item)) throw invalidPatch(`found non-map element in list ${path} with merge key ${strategy.key}`);
    const key = item[strategy.key];
    if (key === undefined && item[PATCH] === undefined) {
      throw invalidPatch(`map: ${JSON.stringify(item)} does not contain declared merge key: ${strategy.key}`);
    }
    const at = out.findIndex((o) => isObj(o) && o[strategy.key] === key);
    if (item[PATCH] === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    touched.push(key);
    if (at >= 0) {
      const merged = mergeMap(out[at] as Obj, item, kind, path);
      if (merged === DELETED) out.splice(at, 1);
      else out[at] = merged;
    } else {
      out.push(stripDirectives(item, kind, path));
    }
  }
  return order ? reorder(out, original, touched, order, strategy) : out;
}

/**
 * normalizeElementOrder: items the patch names (in $setElementOrder order) interleaved with the items only
 * the server has (in their stored order), a server-only item going first when it stood earlier.
 */
function reorder(merged: unknown[], original: unknown[], touched: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  const orderIds = order.map((o) => identity(o, strategy));
  const serverIds = original.map((m) => identity(m, strategy));
  const named = (m: unknown) => orderIds.includes(identity(m, strategy)) || touched.includes(identity(m, strategy));
  const rank = (m: unknown) => { const i = orderIds.indexOf(identity(m, strategy)); return i < 0 ? orderIds.length : i; };
  const patchSide = merged.filter(named).sort((a, b) => rank(a) - rank(b));
  const serverOnly = merged.filter((m) => !named(m));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchSide.length) {
    if (j >= patchSide.length) { out.push(serverOnly[i++]); continue; }
    if (i >= serverOnly.length) { out.push(patchSide[j++]); continue; }
    const li = serverIds.indexOf(identity(serverOnly[i], strategy));
    const ri = serverIds.indexOf(identity(patchSide[j], strategy));
    if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
    else out.push(patchSide[j++]);
  }
  return out;
}

export function applyStrategicMergePatch(target: KubeObject, patch: unknown, kind: string): KubeObject {
  if (!isObj(patch)) {
    throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : patch === null ? 'null' : typeof patch} into Go value of type map[string]interface {}`);
  }
  const merged = mergeMap(target as Obj, patch, kind, '');
  const result = (merged === DELETED ? {} : merged) as KubeObject;
  if (!isObj(result.metadata)) result.metadata = {};
  return result;
}
