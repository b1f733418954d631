// Docker-link style variables for the services a pod sees with enableServiceLinks (and always for the
// `kubernetes` service of the default namespace), as pkg/kubelet/envvars FromServices writes them.
import type { KubeObject } from '../types.js';

type Port = { name?: string; port: number; protocol?: string };

const envName = (name: string) => name.toUpperCase().replace(/-/g, '_');

/** The variables of one service, in FromServices' order; none for headless or IP-less services. */
export function serviceVariables(service: KubeObject): Array<[string, string]> {
  const spec = (service.spec ?? {}) as { clusterIP?: string; ports?: Port[] };
  const ip = spec.clusterIP;
  if (!ip || ip === 'None' || !spec.ports?.length) return [];
  const name = envName(service.metadata.name ?? '');
  const out: Array<[string, string]> = [[`${name}_SERVICE_HOST`, ip], [`${name}_SERVICE_PORT`, String(spec.ports[0]!.port)]];
  for (const p of spec.ports) if (p.name) out.push([`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  const first = spec.ports[0]!;
  const url = (p: Port) => `${(p.protocol ?? 'TCP').toLowerCase()}://${ip}:${p.port}`;
  out.push([`${name}_PORT`, url(first)]);
  for (const p of spec.ports) {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    const prefix = `${name}_PORT_${p.port}_${proto}`;
    out.push([prefix, url(p)], [`${prefix}_PROTO`, proto.toLowerCase()], [`${prefix}_PORT`, String(p.port)], [`${prefix}_ADDR`, ip]);
  }
  return out;
}
