// Query parameters as the API server's parameter codec converts them (apimachinery pkg/runtime/conversion.go):
// a present bool is true unless it is "0" or "false" in any case; int64 must parse; times are RFC 3339.
import { badRequest } from '../errors.js';

export function boolParam(params: URLSearchParams, name: string): boolean {
  const v = params.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

export function intParam(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

export function timeParam(params: URLSearchParams, name: string): Date | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v);
  const d = new Date(v);
  if (!ok || Number.isNaN(d.getTime())) throw badRequest(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`);
  return d;
}
