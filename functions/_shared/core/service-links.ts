import type { V1EnvVar, V1PodSpec } from '@kubernetes/client-node';

// Service links (enableServiceLinks): the Docker-link style variables a kubelet gives a container for every
// Service of its namespace, in the format of kubelet's pkg/kubelet/envvars FromServices. The host kubelet would
// give host pods the HOST namespace's services, so host pods run with enableServiceLinks=false and get the
// virtual namespace's variables written into their env instead (vCluster's translate/envvars.go does the same).

export interface LinkedService {
  name: string;
  /** The address the variables carry: the ClusterIP the host routes (the host Service's). */
  clusterIP?: string;
  ports?: ReadonlyArray<{ name?: string; port: number; protocol?: string }>;
}

/** kubelet's IsServiceIPSet: headless ("None") and address-less (ExternalName) services get no variables. */
export function isServiceIPSet(clusterIP: string | undefined): clusterIP is string {
  return clusterIP !== undefined && clusterIP !== '' && clusterIP !== 'None';
}

/** makeEnvVariableName: upper case, '-' becomes '_'. */
export function envVariableName(name: string): string {
  return name.toUpperCase().replaceAll('-', '_');
}

/** net.JoinHostPort: an IPv6 address in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The variables of these services, in FromServices' order: `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT` (the
 * first port), `<NAME>_SERVICE_PORT_<PORTNAME>` for named ports, `<NAME>_PORT` (the first port's URL), then per
 * port `<NAME>_PORT_<port>_<PROTO>` with `_PROTO`, `_PORT` and `_ADDR`. Services without an address or ports
 * are skipped.
 */
export function serviceLinkVariables(services: readonly LinkedService[]): V1EnvVar[] {
  const out: V1EnvVar[] = [];
  for (const service of services) {
    const ip = service.clusterIP;
    const ports = service.ports ?? [];
    if (!isServiceIPSet(ip) || ports.length === 0) continue;
    const prefix = envVariableName(service.name);
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip }, { name: `${prefix}_SERVICE_PORT`, value: String(ports[0].port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envVariableName(p.name)}`, value: String(p.port) });
    ports.forEach((p, i) => {
      const protocol = p.protocol || 'TCP';
      const url = `${protocol.toLowerCase()}://${joinHostPort(ip, p.port)}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const portPrefix = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push(
        { name: portPrefix, value: url },
        { name: `${portPrefix}_PROTO`, value: protocol.toLowerCase() },
        { name: `${portPrefix}_PORT`, value: String(p.port) },
        { name: `${portPrefix}_ADDR`, value: ip },
      );
    });
  }
  return out;
}

/**
 * Writes the variables into every container and init container of a host pod spec: sorted by name and put
 * first (so a container's own `$(SVC_SERVICE_HOST)` references resolve, as they do against kubelet's service
 * variables), skipping a name the container defines itself (its own value wins, as in kubelet). A name two
 * services produce keeps the later one (kubelet builds a map). One difference remains: kubelet lets a name a
 * container's envFrom provides win over a service variable; envFrom's keys are not known at translation, so
 * here the service variable wins (env beats envFrom).
 */
export function withServiceLinks(spec: V1PodSpec, variables: readonly V1EnvVar[]): void {
  if (variables.length === 0) return;
  const byName = new Map<string, V1EnvVar>();
  for (const v of variables) byName.set(v.name, v);
  const sorted = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const own = new Set((c.env ?? []).map((e) => e.name));
    c.env = [...sorted.filter((v) => !own.has(v.name)).map((v) => ({ ...v })), ...(c.env ?? [])];
  }
}
