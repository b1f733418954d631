// Service ClusterIP and NodePort allocation, as the service REST's allocators do it (k8s
// pkg/registry/core/service/{ipallocator,portallocator}): a requested address or port is taken or refused with
// the real message, an empty one gets a free one from the dynamic part of the range, "None" stays headless,
// ExternalName gets nothing. What is in use is read from the stored Services through a store subscription,
// so it survives a restart with the store; a short-lived reservation covers the gap between allocation and
// commit (admission runs in between).
import { internalError, invalid, type StatusCause } from './errors.js';
import { services } from './resources.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };
const RESERVATION_MS = 30_000;

export interface Cidr { base: number; size: number; text: string }

export function parseCidr(text: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30 || Number(m[5]) < 8) throw new Error(`service CIDR ${JSON.stringify(text)} is not an IPv4 range between /8 and /30`);
  const bits = Number(m[5]);
  const addr = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), size, text: `${ipText(addr - (addr % size))}/${bits}` };
}

export function ipText(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function ipNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
  return m.slice(1).reduce((a, o) => a * 256 + Number(o), 0);
}

/** The first address of the range: the `kubernetes` Service's. */
export function firstServiceIP(cidr: Cidr): string {
  return ipText(cidr.base + 1);
}

export interface ServiceNetwork {
  cidr: Cidr;
  /** Fills spec.clusterIP(s) and node ports of a new Service; throws the 422 of a refused request. */
  allocateCreate(svc: KubeObject, dryRun: boolean): void;
  /** Keeps what the stored Service holds (patchAllocatedValues) and allocates for a type change. */
  allocateUpdate(next: KubeObject, stored: KubeObject, dryRun: boolean): StatusCause[];
}

const needsClusterIP = (spec: Obj) => (spec.type ?? 'ClusterIP') !== 'ExternalName';
const needsNodePorts = (spec: Obj) => spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

export function createServiceNetwork(store: Store, cidrText: string, random: () => number): ServiceNetwork {
  const cidr = parseCidr(cidrText);
  const ips = new Map<string, string>(); // ip -> owner "ns/name"
  const ports = new Map<number, string>();
  const reservedIps = new Map<string, number>(); // ip -> expiry
  const reservedPorts = new Map<number, number>();
  const owner = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

  function track(o: KubeObject, on: boolean): void {
    const spec = (o.spec ?? {}) as Obj;
    const key = owner(o);
    for (const ip of (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) as string[]) {
      if (ip === 'None') continue;
      if (on) ips.set(ip, key);
      else if (ips.get(ip) === key) ips.delete(ip);
      reservedIps.delete(ip);
    }
    for (const p of (spec.ports ?? []) as Obj[]) {
      if (!p.nodePort) continue;
      if (on) ports.set(p.nodePort, key);
      else if (ports.get(p.nodePort) === key) ports.delete(p.nodePort);
      reservedPorts.delete(p.nodePort);
    }
  }
  for (const svc of store.list(services, undefined)) track(svc, true);
  store.subscribe((c) => {
    if (c.previous) track(c.previous, false);
    if (c.type !== 'DELETED') track(c.object, true);
  }, services);

  const live = <K>(reserved: Map<K, number>, k: K) => {
    const until = reserved.get(k);
    if (until !== undefined && until < Date.now()) reserved.delete(k);
    return reserved.has(k);
  };
  const ipTaken = (ip: string) => ips.has(ip) || live(reservedIps, ip);
  const portTaken = (p: number) => ports.has(p) || live(reservedPorts, p);

  // The lower part of the range is kept for requested addresses (ServiceIPStaticSubrange): 1/16, 16 to 256.
  const usable = cidr.size - 2;
  const staticBand = Math.min(256, Math.max(16, Math.floor(usable / 16)));

  function nextIp(): string | undefined {
    const dynamic = usable > staticBand ? usable - staticBand : usable;
    const offset = usable > staticBand ? staticBand : 0;
    const start = Math.floor(random() * dynamic);
    for (let i = 0; i < usable; i++) {
      const ip = ipText(cidr.base + 1 + ((offset + ((start + i) % dynamic)) % usable));
      if (!ipTaken(ip)) return ip;
    }
    return undefined;
  }

  function nextPort(): number | undefined {
    const span = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1;
    const start = Math.floor(random() * span);
    for (let i = 0; i < span; i++) {
      const p = NODE_PORT_RANGE.min + ((start + i) % span);
      if (!portTaken(p)) return p;
    }
    return undefined;
  }

  function allocateIp(svc: KubeObject, dryRun: boolean): void {
    const spec = svc.spec as Obj;
    const requested = (spec.clusterIPs?.[0] ?? spec.clusterIP ?? '') as string;
    if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    const fail = (why: string) => invalid('Service', '', svc.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{${JSON.stringify(requested)}}: failed to allocate IP ${requested}: ${why}` }]);
    let ip = requested;
    if (ip) {
      const n = ipNumber(ip);
      if (n === undefined) throw invalid('Service', '', svc.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${JSON.stringify(ip)}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` }]);
      if (n <= cidr.base || n >= cidr.base + cidr.size - 1) throw fail(`the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr.text}`);
      if (ipTaken(ip)) throw fail('provided IP is already allocated');
    } else {
      const free = nextIp();
      if (!free) throw internalError('failed to allocate a serviceIP: range is full');
      ip = free;
    }
    if (!dryRun) reservedIps.set(ip, Date.now() + RESERVATION_MS);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }

  function allocatePorts(svc: KubeObject, keep: Set<number>, dryRun: boolean): void {
    const spec = svc.spec as Obj;
    ((spec.ports ?? []) as Obj[]).forEach((p, i) => {
      if (p.nodePort) {
        if (keep.has(p.nodePort)) return;
        const why = p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max
          ? `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`
          : portTaken(p.nodePort) ? 'provided port is already allocated' : undefined;
        if (why) throw invalid('Service', '', svc.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: ${why}` }]);
      } else {
        const free = nextPort();
        if (free === undefined) throw internalError('failed to allocate a nodePort: range is full');
        p.nodePort = free;
      }
      if (!dryRun) reservedPorts.set(p.nodePort, Date.now() + RESERVATION_MS);
    });
  }

  return {
    cidr,
    allocateCreate(svc, dryRun) {
      const spec = (svc.spec ??= {}) as Obj;
      if (needsClusterIP(spec)) allocateIp(svc, dryRun);
      if (needsNodePorts(spec)) allocatePorts(svc, new Set(), dryRun);
    },
    allocateUpdate(next, stored, dryRun) {
      const spec = (next.spec ??= {}) as Obj;
      const old = (stored.spec ?? {}) as Obj;
      const causes: StatusCause[] = [];
      if (needsClusterIP(old) && needsClusterIP(spec)) {
        // patchAllocatedValues: a write that leaves the address out keeps the allocated one.
        if (!spec.clusterIP && !spec.clusterIPs) {
          spec.clusterIP = old.clusterIP;
          spec.clusterIPs = old.clusterIPs;
        }
        if (spec.clusterIP !== old.clusterIP) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: []string{${JSON.stringify(spec.clusterIP ?? '')}}: may not change once set` });
        spec.ipFamilies ??= old.ipFamilies;
        spec.ipFamilyPolicy ??= old.ipFamilyPolicy;
      } else if (needsClusterIP(spec)) allocateIp(next, dryRun);
      else {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      if (needsNodePorts(spec)) {
        const oldPorts = new Map(((old.ports ?? []) as Obj[]).map((p) => [`${p.port}/${p.protocol ?? 'TCP'}`, p.nodePort as number | undefined]));
        if (needsNodePorts(old)) for (const p of (spec.ports ?? []) as Obj[]) p.nodePort ??= oldPorts.get(`${p.port}/${p.protocol ?? 'TCP'}`);
        allocatePorts(next, new Set([...oldPorts.values()].filter((n): n is number => !!n)), dryRun);
      } else for (const p of (spec.ports ?? []) as Obj[]) if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') delete p.nodePort;
      return causes;
    },
  };
}
