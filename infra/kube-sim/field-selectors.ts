// Field selectors (apimachinery pkg/fields/selector.go plus the per-type field label conversions of
// k8s pkg/apis/core/v1/conversion.go): only =, == and !=, ANDed, and only the fields each type supports.
import { badRequest } from './errors.js';
import type { KubeObject, ResourceType } from './types.js';

export type FieldRequirement = { field: string; operator: '=' | '!='; value: string };

/** Splits on commas that are not escaped with a backslash. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === ',') { terms.push(s.slice(start, i)); start = i + 1; }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, '=' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') { i++; continue; }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op === '!=' ? '!=' : '=', term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescape(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      const n = value[i + 1];
      if (n !== '\\' && n !== ',' && n !== '=') throw badRequest(`invalid field selector: invalid escape sequence: ${value.slice(i, i + 2)}`);
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      throw badRequest(`invalid field selector: unescaped ${JSON.stringify(c)} in value`);
    } else {
      out += c;
    }
  }
  return out;
}

/** The fields a type accepts; types with their own conversion function do not all accept metadata.namespace. */
function supportedFields(resource: ResourceType): string[] {
  const meta = resource.namespaced ? ['metadata.name', 'metadata.namespace'] : ['metadata.name'];
  if (resource.selectableFields.length === 0) return ['metadata.name', 'metadata.namespace'];
  return [...meta, ...resource.selectableFields];
}

export function parseFieldSelector(s: string, resource: ResourceType): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  const allowed = supportedFields(resource);
  for (const term of splitTerms(s).sort()) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    const [field, operator, raw] = split;
    const value = unescape(raw);
    if (!allowed.includes(field)) {
      // Types with a registered conversion answer tersely; the rest fall back to the generic metadata-only one.
      throw badRequest(resource.selectableFields.length > 0
        ? `field label not supported: ${field}`
        : `${JSON.stringify(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
    reqs.push({ field, operator, value });
  }
  return reqs;
}

/** The string a field selector compares against; absent fields read as "". */
export function fieldValue(obj: KubeObject, field: string): string {
  if (field === 'status.podIP') {
    const status = obj.status as { podIP?: string; podIPs?: Array<{ ip?: string }> } | undefined;
    return status?.podIPs?.[0]?.ip ?? status?.podIP ?? '';
  }
  // Event's "source" selects on source.component, its "reportingComponent" on the top-level field.
  if (field === 'source') {
    const source = obj.source as { component?: string } | undefined;
    return source?.component ?? '';
  }
  if (field === 'reportingComponent') return String(obj.reportingComponent ?? '');
  if (field === 'spec.hostNetwork' || field === 'spec.unschedulable') {
    return (obj.spec as Record<string, unknown> | undefined)?.[field.slice(5)] === true ? 'true' : 'false';
  }
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function matchFieldSelector(reqs: FieldRequirement[], obj: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator === '='));
}
