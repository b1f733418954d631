// PodLogOptions from the query, validated as ValidatePodLogOptions does (422 PodLogOptions "x" is invalid).
import { invalid, type StatusCause } from '../errors.js';
import { boolParam, intParam, timeParam } from './query-values.js';

export interface LogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
}

export function logOptions(params: URLSearchParams, podName: string): LogOptions {
  const opts: LogOptions = {
    container: params.get('container') || undefined,
    follow: boolParam(params, 'follow'),
    previous: boolParam(params, 'previous'),
    timestamps: boolParam(params, 'timestamps'),
    tailLines: intParam(params, 'tailLines'),
    limitBytes: intParam(params, 'limitBytes'),
    sinceSeconds: intParam(params, 'sinceSeconds'),
    sinceTime: timeParam(params, 'sinceTime'),
  };
  // The kubelet's legacy `tail` parameter, still accepted ("all" means no limit).
  const tail = params.get('tail');
  if (opts.tailLines === undefined && tail && tail !== 'all' && /^\d+$/.test(tail)) opts.tailLines = Number(tail);
  const causes: StatusCause[] = [];
  const bad = (field: string, value: number, detail: string) => causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${value}: ${detail}` });
  if (opts.tailLines !== undefined && opts.tailLines < 0) bad('tailLines', opts.tailLines, 'must be greater than or equal to 0');
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) bad('limitBytes', opts.limitBytes, 'must be greater than 0');
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    causes.push({ reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) bad('sinceSeconds', opts.sinceSeconds, 'must be greater than 0');
  if (causes.length) throw invalid('PodLogOptions', '', podName, causes);
  return opts;
}
