// Where kube-apiserver sends a pod's streaming subresource: the node's address of the first preferred type
// at status.daemonEndpoints.kubeletEndpoint.Port (k8s pkg/kubelet/client/kubelet_client.go), and the kubelet
// path and query it builds from the options (k8s pkg/registry/core/pod/strategy.go: LogLocation,
// streamParams, streamLocation, PortForwardLocation). Pure, so each rule is table-tested.
import { KubeError } from './errors.js';
import type { LogOptions } from './streaming/log-options.js';
import { boolParam } from './streaming/query-values.js';
import type { KubeObject } from './types.js';

/** k3s's --kubelet-preferred-address-types, the order a virtual cluster's API server is usually run with. */
export const DEFAULT_PREFERRED_ADDRESS_TYPES: readonly string[] = ['InternalIP', 'ExternalIP', 'Hostname'];
export const DEFAULT_KUBELET_PORT = 10250;

type Obj = Record<string, any>;

/** host:port of a node's kubelet; a node without an address of a preferred type cannot be reached. */
export function kubeletHostPort(node: KubeObject, preferred: readonly string[] = DEFAULT_PREFERRED_ADDRESS_TYPES): { host: string; port: number } {
  const status = (node.status ?? {}) as Obj;
  const addresses = (status.addresses ?? []) as Array<{ type?: string; address?: string }>;
  let host: string | undefined;
  for (const type of preferred) {
    host = addresses.find((a) => a.type === type && a.address)?.address;
    if (host) break;
  }
  // GetPreferredNodeAddress's NoMatchError is no Status: the API server answers it as an internal error.
  if (!host) throw new KubeError(500, 'InternalError', `Internal error occurred: no preferred addresses found; known addresses: [${addresses.map((a) => `{${a.type} ${a.address}}`).join(' ')}]`);
  const port = Number(status.daemonEndpoints?.kubeletEndpoint?.Port);
  return { host, port: Number.isInteger(port) && port > 0 ? port : DEFAULT_KUBELET_PORT };
}

/** `/containerLogs/ns/pod/container?follow=true&...`: only the options that are set, as LogLocation adds them. */
export function logPath(pod: KubeObject, container: string, opts: LogOptions): string {
  const q = new URLSearchParams();
  if (opts.follow) q.append('follow', 'true');
  if (opts.previous) q.append('previous', 'true');
  if (opts.timestamps) q.append('timestamps', 'true');
  if (opts.sinceSeconds !== undefined) q.append('sinceSeconds', String(opts.sinceSeconds));
  if (opts.sinceTime !== undefined) q.append('sinceTime', opts.sinceTime.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (opts.tailLines !== undefined) q.append('tailLines', String(opts.tailLines));
  if (opts.limitBytes !== undefined) q.append('limitBytes', String(opts.limitBytes));
  return withQuery(`/containerLogs/${seg(pod.metadata.namespace!)}/${seg(pod.metadata.name!)}/${seg(container)}`, q);
}

/** `/exec|attach/ns/pod/container?input=1&output=1&error=1&tty=1[&command=...]`, or `/portForward/ns/pod[?port=a,b]`. */
export function streamPath(pod: KubeObject, subresource: 'exec' | 'attach' | 'portforward', container: string | undefined, params: URLSearchParams): string {
  const q = new URLSearchParams();
  const ns = seg(pod.metadata.namespace!);
  const name = seg(pod.metadata.name!);
  if (subresource === 'portforward') {
    const ports = params.getAll('ports').flatMap((v) => v.split(',')).map((p) => p.trim()).filter((p) => p !== '');
    if (ports.length > 0) q.append('port', ports.join(','));
    return withQuery(`/portForward/${ns}/${name}`, q);
  }
  if (boolParam(params, 'stdin')) q.append('input', '1');
  if (boolParam(params, 'stdout')) q.append('output', '1');
  if (boolParam(params, 'stderr')) q.append('error', '1');
  if (boolParam(params, 'tty')) q.append('tty', '1');
  if (subresource === 'exec') for (const c of params.getAll('command')) q.append('command', c);
  return withQuery(`/${subresource}/${ns}/${name}/${seg(container!)}`, q);
}

const seg = (s: string) => encodeURIComponent(s);
/** url.Values.Encode sorts by key; so does this. */
function withQuery(path: string, q: URLSearchParams): string {
  q.sort();
  return q.size > 0 ? `${path}?${q}` : path;
}
