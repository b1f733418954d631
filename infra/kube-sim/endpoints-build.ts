// What kube-controller-manager's endpoints and endpointslice controllers want for a Service with a
// selector, as pure functions of the Service and the pods of its namespace: Endpoints subsets (ready pods
// in addresses, unready ones in notReadyAddresses, grouped by the ports they resolve to) and EndpointSlice
// endpoints with their ready/serving/terminating conditions.
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

export function selectorOf(svc: KubeObject): Record<string, string> | undefined {
  const selector = (svc.spec as Obj | undefined)?.selector as Record<string, string> | undefined;
  return selector && Object.keys(selector).length ? selector : undefined;
}

export function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const podReady = (pod: KubeObject) => ((pod.status as Obj | undefined)?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');

type Port = { name?: string; port: number; protocol: string };

/** The pod's port for each service port (a named targetPort looked up in its containers); undefined when one is missing. */
function resolvePorts(svc: KubeObject, pod: KubeObject): Port[] | undefined {
  const out: Port[] = [];
  for (const sp of ((svc.spec as Obj).ports ?? []) as Obj[]) {
    const target = sp.targetPort ?? sp.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else if (/^\d+$/.test(String(target))) port = Number(target);
    else {
      for (const c of ((pod.spec as Obj | undefined)?.containers ?? []) as Obj[]) {
        const match = ((c.ports ?? []) as Obj[]).find((p) => p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP'));
        if (match) port = match.containerPort;
      }
    }
    if (port === undefined) return undefined;
    const p: Port = { port, protocol: sp.protocol ?? 'TCP' };
    if (sp.name) p.name = sp.name;
    out.push(p);
  }
  return out;
}

export interface Backend {
  pod: KubeObject;
  ip: string;
  ports: Port[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** The pods behind the Service: selected, with an IP, not finished; sorted by IP as RepackSubsets sorts. */
export function backends(svc: KubeObject, pods: KubeObject[]): Backend[] {
  const selector = selectorOf(svc);
  if (!selector) return [];
  const tolerateUnready = (svc.spec as Obj).publishNotReadyAddresses === true;
  const out: Backend[] = [];
  for (const pod of pods) {
    const status = (pod.status ?? {}) as Obj;
    if (!selects(selector, pod) || !status.podIP || status.phase === 'Succeeded' || status.phase === 'Failed') continue;
    const ports = resolvePorts(svc, pod);
    if (!ports) continue;
    const ready = podReady(pod);
    const terminating = !!pod.metadata.deletionTimestamp;
    out.push({ pod, ip: status.podIP, ports, ready: tolerateUnready || (ready && !terminating), serving: tolerateUnready || ready, terminating });
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : String(a.pod.metadata.uid).localeCompare(String(b.pod.metadata.uid))));
}

const portsKey = (ports: Port[]) => JSON.stringify(ports);

function address(b: Backend): Obj {
  const a: Obj = { ip: b.ip };
  const nodeName = (b.pod.spec as Obj | undefined)?.nodeName;
  if (nodeName) a.nodeName = nodeName;
  a.targetRef = { kind: 'Pod', namespace: b.pod.metadata.namespace, name: b.pod.metadata.name, uid: b.pod.metadata.uid };
  return a;
}

/** Endpoints.subsets: one subset per distinct port list; terminating pods left out unless unready ones are published. */
export function endpointSubsets(svc: KubeObject, list: Backend[]): Obj[] | undefined {
  const tolerateUnready = (svc.spec as Obj).publishNotReadyAddresses === true;
  const groups = new Map<string, Obj>();
  for (const b of list) {
    if (b.terminating && !tolerateUnready) continue;
    const key = portsKey(b.ports);
    let subset = groups.get(key);
    if (!subset) groups.set(key, (subset = { ports: b.ports }));
    const field = b.ready ? 'addresses' : 'notReadyAddresses';
    ((subset[field] ??= []) as Obj[]).push(address(b));
  }
  if (!groups.size) return undefined;
  return [...groups.values()].map((s) => ({ ...(s.addresses ? { addresses: s.addresses } : {}), ...(s.notReadyAddresses ? { notReadyAddresses: s.notReadyAddresses } : {}), ports: s.ports }));
}

/** EndpointSlice contents: one group of endpoints per distinct port list (each becomes a slice). */
export function sliceGroups(list: Backend[]): Array<{ ports: Port[]; endpoints: Obj[] }> {
  const groups = new Map<string, { ports: Port[]; endpoints: Obj[] }>();
  for (const b of list) {
    const key = portsKey(b.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: b.ports, endpoints: [] }));
    const e: Obj = { addresses: [b.ip], conditions: { ready: b.ready, serving: b.serving, terminating: b.terminating } };
    const nodeName = (b.pod.spec as Obj | undefined)?.nodeName;
    if (nodeName) e.nodeName = nodeName;
    e.targetRef = { kind: 'Pod', namespace: b.pod.metadata.namespace, name: b.pod.metadata.name, uid: b.pod.metadata.uid };
    g.endpoints.push(e);
  }
  return [...groups.values()];
}
