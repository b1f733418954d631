// Server-side apply (PATCH application/apply-patch+yaml) as structured-merge-diff does it, for the lists the
// strategic merge table knows: the applied configuration is merged into the live object (maps by key, keyed
// lists by their merge key, sets by value, other lists whole), and a field this manager applied last time but
// no longer applies is removed, unless another applier still applies it. Fields nobody applied (defaults,
// admission's token volume and mounts, other writers' changes) are kept. The manager's applied field set is
// recorded as real FieldsV1 in its managedFields entry, which is what the next apply compares against.
// Ownership conflicts with other managers are not detected: the newest apply wins.
import { badRequest } from './errors.js';
import { listStrategy } from './patch-strategies.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, unknown>;
type Fields = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields an applier never owns: identity and type, and what the server keeps for itself. */
const IGNORED_TOP = new Set(['apiVersion', 'kind', 'status']);
const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

function keyOf(item: Obj, key: string): string {
  return `k:${JSON.stringify({ [key]: item[key] })}`;
}

/** FieldsV1 of a configuration: `f:<field>`, `k:{"name":"c"}` for keyed list items (with "."), `v:<json>` for sets. */
export function fieldsOf(config: unknown, kind: string, path = ''): Fields {
  const out: Fields = {};
  if (!isObj(config)) return out;
  for (const [k, v] of Object.entries(config)) {
    if (v === null || v === undefined) continue;
    if (path === '' && IGNORED_TOP.has(k)) continue;
    if (path === 'metadata' && IGNORED_META.has(k)) continue;
    const childPath = path ? `${path}.${k}` : k;
    out[`f:${k}`] = valueFields(v, kind, childPath);
  }
  return out;
}

function valueFields(v: unknown, kind: string, path: string): Fields {
  if (isObj(v)) return fieldsOf(v, kind, path);
  if (!Array.isArray(v)) return {};
  const strategy = listStrategy(kind, path);
  if (strategy.kind === 'merge') {
    const out: Fields = {};
    for (const item of v) if (isObj(item) && item[strategy.key] !== undefined) out[keyOf(item, strategy.key)] = { '.': {}, ...fieldsOf(item, kind, path) };
    return out;
  }
  if (strategy.kind === 'set') return Object.fromEntries(v.map((x) => [`v:${JSON.stringify(x)}`, {}]));
  return {};
}

/** Every owned leaf as a path of FieldsV1 keys; a keyed item's "." makes the item itself a leaf. */
function leaves(fields: Fields, prefix: string[] = [], out: string[][] = []): string[][] {
  for (const [k, v] of Object.entries(fields)) {
    if (k === '.') { out.push(prefix); continue; }
    const children = isObj(v) ? v : {};
    if (Object.keys(children).length === 0) out.push([...prefix, k]);
    else leaves(children, [...prefix, k], out);
  }
  return out;
}

function has(fields: Fields, path: string[]): boolean {
  let cur: unknown = fields;
  for (const k of path) {
    if (!isObj(cur) || !(k in cur)) return false;
    cur = cur[k];
  }
  return true;
}

function merge(live: unknown, applied: unknown, kind: string, path: string): unknown {
  if (isObj(applied)) {
    const out: Obj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null || v === undefined) continue;
      out[k] = merge(out[k], v, kind, path ? `${path}.${k}` : k);
    }
    return out;
  }
  if (!Array.isArray(applied)) return structuredClone(applied);
  const strategy = listStrategy(kind, path);
  if (strategy.kind === 'replace' || !Array.isArray(live)) return structuredClone(applied);
  if (strategy.kind === 'set') return [...live, ...applied.filter((x) => !live.includes(x))];
  const out = [...live];
  for (const item of applied) {
    if (!isObj(item)) continue;
    const at = out.findIndex((o) => isObj(o) && o[strategy.key] === item[strategy.key]);
    if (at >= 0) out[at] = merge(out[at], item, kind, path);
    else out.push(structuredClone(item));
  }
  return out;
}

/** Removes the field or list item one FieldsV1 path names from the object. */
function removeAt(obj: unknown, path: string[]): void {
  let cur: unknown = obj;
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    const last = i === path.length - 1;
    if (k.startsWith('f:') && isObj(cur)) {
      if (last) delete cur[k.slice(2)];
      else cur = cur[k.slice(2)];
    } else if ((k.startsWith('k:') || k.startsWith('v:')) && Array.isArray(cur)) {
      const match = JSON.parse(k.slice(2)) as unknown;
      const at = k.startsWith('v:')
        ? cur.indexOf(match)
        : cur.findIndex((o) => isObj(o) && isObj(match) && Object.entries(match).every(([mk, mv]) => o[mk] === mv));
      if (at < 0) return;
      if (last) cur.splice(at, 1);
      else cur = cur[at];
    } else return;
  }
}

export interface ApplyResult {
  object: KubeObject;
  /** The manager's new FieldsV1, for its Apply entry in managedFields. */
  fields: Fields;
}

export function applyConfiguration(live: KubeObject, applied: unknown, manager: string, kind: string): ApplyResult {
  if (!isObj(applied)) throw badRequest('error decoding YAML: the applied configuration must be an object');
  const fields = fieldsOf(applied, kind);
  const entries = (live.metadata.managedFields ?? []) as Array<Record<string, unknown>>;
  const previous = entries.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  const others = entries.filter((e) => e !== previous && e.operation === 'Apply' && !e.subresource).map((e) => (e.fieldsV1 ?? {}) as Fields);
  const merged = merge(live, applied, kind, '') as KubeObject;
  for (const leaf of leaves((previous?.fieldsV1 ?? {}) as Fields)) {
    if (leaf.length === 0 || has(fields, leaf) || others.some((f) => has(f, leaf))) continue;
    removeAt(merged, leaf);
  }
  return { object: merged, fields };
}
