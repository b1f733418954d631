// The downward API as the kubelet resolves it at container start: fieldRef paths of the pod
// (pkg/fieldpath ExtractFieldPathAsString, plus the status fields the kubelet fills in itself) and
// resourceFieldRef of a container, where an unset limit falls back to the node's allocatable.
import type { KubeObject } from '../types.js';
import { parseQuantity, renderResource } from './quantity.js';

type Obj = Record<string, any>;

/** What the node knows that the stored pod may not show yet. */
export interface PodPlacement {
  nodeName: string;
  hostIP: string;
  podIP: string;
  /** Node allocatable, used for unset limits: { cpu: '8', memory: '32863332Ki', 'ephemeral-storage': ... }. */
  allocatable: Record<string, string>;
}

/** `key="value"` lines, sorted, as the downward API writes labels and annotations (FormatMap). */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${JSON.stringify(map![k])}`).join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** A fieldRef's value; undefined when the path is not one the API accepts. */
export function fieldRefValue(pod: KubeObject, fieldPath: string, at: PodPlacement): string | undefined {
  const meta = pod.metadata;
  const spec = (pod.spec ?? {}) as Obj;
  const sub = SUBSCRIPT.exec(fieldPath);
  if (sub) return ((meta[sub[1]!] ?? {}) as Record<string, string>)[sub[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'metadata.labels': return formatMap(meta.labels);
    case 'metadata.annotations': return formatMap(meta.annotations);
    case 'spec.nodeName': return at.nodeName;
    case 'spec.serviceAccountName': return spec.serviceAccountName ?? '';
    case 'status.hostIP': case 'status.hostIPs': return at.hostIP;
    case 'status.podIP': case 'status.podIPs': return at.podIP;
    default: return undefined;
  }
}

/** A resourceFieldRef's value for one container of the pod. */
export function resourceFieldValue(pod: KubeObject, containerName: string, ref: { resource: string; divisor?: string }, at: PodPlacement): string {
  const spec = (pod.spec ?? {}) as Obj;
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])] as Obj[];
  const container = all.find((c) => c.name === containerName);
  const [kind, name] = ref.resource.split('.') as [string, string];
  const own = (container?.resources?.[kind === 'limits' ? 'limits' : 'requests'] ?? {}) as Record<string, string>;
  let value = parseQuantity(own[name]);
  if (!Number.isFinite(value)) value = kind === 'limits' ? parseQuantity(at.allocatable[name]) : 0;
  if (!Number.isFinite(value)) value = 0;
  return renderResource(name, value, ref.divisor);
}
