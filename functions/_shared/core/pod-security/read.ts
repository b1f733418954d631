// Reading a pod the tenant wrote, without trusting its shape. Every read names the field it reads; a value
// of the wrong type becomes one `malformed` violation for that field (never an exception) and reads as
// unset, so the checks stay simple and the verdict is a denial all the same (malformed is never lifted).
// null counts as unset, as it does for a Kubernetes pointer field.

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const unset = (v: unknown): v is undefined | null => v === undefined || v === null;

/** Own properties only: `spec.constructor` must read as unset, not as Object. */
export function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** A field path segment for a map key, as Kubernetes prints it (`metadata.annotations[key]`). */
export function keyed(path: string, key: string): string {
  return `${path}[${clip(key)}]`;
}

/** Tenant strings in paths and messages: control characters replaced, length bounded. */
export function clip(s: string, max = 120): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** `spec` + `volumes` = `spec.volumes`; an empty base names a top-level field. */
export const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

export class Fields {
  private readonly bad = new Map<string, string>();

  /** The malformed fields found so far, as `[field, message]`, in the order they were read. */
  malformed(): Array<[string, string]> {
    return [...this.bad];
  }

  private wrong(field: string, what: string): undefined {
    if (!this.bad.has(field)) this.bad.set(field, `${field} is not ${what}`);
    return undefined;
  }

  obj(o: Obj | undefined, key: string, path: string): Obj | undefined {
    const v = o === undefined ? undefined : own(o, key);
    if (unset(v)) return undefined;
    return isObj(v) ? v : this.wrong(join(path, key), 'an object');
  }

  bool(o: Obj | undefined, key: string, path: string): boolean | undefined {
    const v = o === undefined ? undefined : own(o, key);
    if (unset(v)) return undefined;
    return typeof v === 'boolean' ? v : this.wrong(join(path, key), 'a boolean');
  }

  str(o: Obj | undefined, key: string, path: string): string | undefined {
    const v = o === undefined ? undefined : own(o, key);
    if (unset(v)) return undefined;
    return typeof v === 'string' ? v : this.wrong(join(path, key), 'a string');
  }

  int(o: Obj | undefined, key: string, path: string): number | undefined {
    const v = o === undefined ? undefined : own(o, key);
    if (unset(v)) return undefined;
    return typeof v === 'number' && Number.isInteger(v) ? v : this.wrong(join(path, key), 'an integer');
  }

  /** A list of objects, each with its path; a non-object item is malformed and skipped. */
  objects(o: Obj | undefined, key: string, path: string): Array<{ item: Obj; path: string; index: number }> {
    const out: Array<{ item: Obj; path: string; index: number }> = [];
    for (const { value, path: p, index } of this.list(o, key, path)) {
      if (isObj(value)) out.push({ item: value, path: p, index });
      else this.wrong(p, 'an object');
    }
    return out;
  }

  /** A list of strings, each with its path; a non-string item is malformed and skipped. */
  strings(o: Obj | undefined, key: string, path: string): Array<{ value: string; path: string }> {
    const out: Array<{ value: string; path: string }> = [];
    for (const { value, path: p } of this.list(o, key, path)) {
      if (typeof value === 'string') out.push({ value, path: p });
      else this.wrong(p, 'a string');
    }
    return out;
  }

  /** A map of strings (labels, annotations, nodeSelector), sorted by key; a non-string value is malformed. */
  stringMap(o: Obj | undefined, key: string, path: string): Array<{ key: string; value: string; path: string }> {
    const m = this.obj(o, key, path);
    if (!m) return [];
    const out: Array<{ key: string; value: string; path: string }> = [];
    for (const k of Object.keys(m).sort()) {
      const v = m[k];
      const p = keyed(join(path, key), k);
      if (typeof v === 'string') out.push({ key: k, value: v, path: p });
      else if (!unset(v)) this.wrong(p, 'a string');
    }
    return out;
  }

  private list(o: Obj | undefined, key: string, path: string): Array<{ value: unknown; path: string; index: number }> {
    const v = o === undefined ? undefined : own(o, key);
    if (unset(v)) return [];
    if (!Array.isArray(v)) return this.wrong(join(path, key), 'a list') ?? [];
    return Array.from(v, (value, index) => ({ value: value as unknown, path: `${join(path, key)}[${index}]`, index }));
  }
}
