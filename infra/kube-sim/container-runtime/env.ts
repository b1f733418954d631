// A container's environment as the kubelet and runtime build it (pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables): envFrom sources with their prefixes, then env entries in order with $(VAR)
// references expanded against what came before, then service links not already defined; the runtime adds
// PATH and HOSTNAME first and HOME last. The real kubelet emits them in map order; this order is fixed.
import type { KubeObject } from '../types.js';
import { fieldRefValue, resourceFieldValue, type PodPlacement } from './downward-api.js';
import { serviceVariables } from './service-env.js';
import type { ObjectLookup } from './volumes.js';

type Obj = Record<string, any>;

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** $(NAME) expansion (third_party/forked/golang/expansion): $$ escapes, unknown names stay as written. */
export function expandReferences(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const value = lookup(name);
      out += value ?? `$(${name})`;
      i = end;
    } else out += c;
  }
  return out;
}

function sourceData(obj: KubeObject | undefined, secret: boolean): Array<[string, string]> {
  if (!obj) return [];
  const data = (obj.data ?? {}) as Record<string, string>;
  return Object.keys(data).sort().map((k) => [k, secret ? Buffer.from(data[k]!, 'base64').toString('utf8') : data[k]!]);
}

export interface EnvInputs {
  pod: KubeObject;
  container: Obj;
  at: PodPlacement;
  lookup: ObjectLookup;
  /** Services of the pod's namespace, and the default namespace's `kubernetes` service if any. */
  services: KubeObject[];
  hostname: string;
}

/** The container's environment, ordered, without duplicates (a later definition replaces an earlier one). */
export function containerEnvironment(inputs: EnvInputs): Array<[string, string]> {
  const { pod, container, at, lookup } = inputs;
  const env = new Map<string, string>();
  for (const from of (container.envFrom ?? []) as Obj[]) {
    const prefix = from.prefix ?? '';
    const pairs = from.configMapRef ? sourceData(lookup('configmap', from.configMapRef.name), false)
      : from.secretRef ? sourceData(lookup('secret', from.secretRef.name), true) : [];
    for (const [k, v] of pairs) env.set(prefix + k, v);
  }
  const links = new Map<string, string>();
  if (((pod.spec ?? {}) as Obj).enableServiceLinks !== false) {
    for (const s of inputs.services) for (const [k, v] of serviceVariables(s)) links.set(k, v);
  } else {
    for (const s of inputs.services.filter((x) => x.metadata.name === 'kubernetes' && x.metadata.namespace === 'default')) {
      for (const [k, v] of serviceVariables(s)) links.set(k, v);
    }
  }
  for (const e of (container.env ?? []) as Obj[]) {
    let value: string | undefined = e.value;
    const from = e.valueFrom as Obj | undefined;
    if (from?.fieldRef) value = fieldRefValue(pod, from.fieldRef.fieldPath, at);
    else if (from?.resourceFieldRef) value = resourceFieldValue(pod, from.resourceFieldRef.containerName || container.name, from.resourceFieldRef, at);
    else if (from?.configMapKeyRef) value = (lookup('configmap', from.configMapKeyRef.name)?.data as Obj | undefined)?.[from.configMapKeyRef.key];
    else if (from?.secretKeyRef) {
      const raw = (lookup('secret', from.secretKeyRef.name)?.data as Obj | undefined)?.[from.secretKeyRef.key];
      value = raw === undefined ? undefined : Buffer.from(raw, 'base64').toString('utf8');
    } else if (value !== undefined) value = expandReferences(value, (n) => env.get(n) ?? links.get(n));
    if (value === undefined && from) continue; // an optional source that is missing
    env.set(e.name, value ?? '');
  }
  for (const [k, v] of links) if (!env.has(k)) env.set(k, v);
  const out: Array<[string, string]> = [];
  if (!env.has('PATH')) out.push(['PATH', DEFAULT_PATH]);
  out.push(['HOSTNAME', env.get('HOSTNAME') ?? inputs.hostname]);
  for (const [k, v] of env) if (k !== 'HOSTNAME') out.push([k, v]);
  if (!env.has('HOME')) out.push(['HOME', '/root']);
  return out;
}
