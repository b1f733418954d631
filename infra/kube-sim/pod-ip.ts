// IPv4 address arithmetic for the simulated nodes: each node owns a /24 slice of the cluster pod CIDR, as
// kube-controller-manager's range allocator hands out podCIDRs, and the node's "CNI" leases addresses from it.

export interface Cidr {
  base: number; // network address as an unsigned 32-bit number
  prefix: number;
}

export function ipToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const p of parts) {
    const octet = Number(p);
    if (!/^\d{1,3}$/.test(p) || octet > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + octet;
  }
  return n;
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (ip === undefined || bits === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new Error(`invalid CIDR "${cidr}"`);
  }
  const size = 2 ** (32 - prefix);
  const base = ipToNumber(ip) - (ipToNumber(ip) % size);
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${numberToIp(c.base)}/${c.prefix}`;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = ipToNumber(ip);
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

/** The index-th /24 of the cluster CIDR: 10.244.0.0/16 and 3 give 10.244.3.0/24. */
export function nodePodCidr(clusterCidr: string, index: number): string {
  const c = parseCidr(clusterCidr);
  if (c.prefix > 24) throw new Error(`pod CIDR "${clusterCidr}" is smaller than a /24`);
  const slices = 2 ** (24 - c.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= slices) {
    throw new Error(`pod CIDR "${clusterCidr}" has no /24 number ${index}`);
  }
  return formatCidr({ base: c.base + index * 256, prefix: 24 });
}

/**
 * Leases pod addresses from one node's CIDR. The network address, the bridge gateway (.1) and the broadcast
 * address are never handed out, like the host-local IPAM plugin. Allocation walks forward from the last
 * lease so that a freed address is not reused at once (a late watcher would otherwise confuse two pods).
 */
export class PodIpAllocator {
  private readonly first: number;
  private readonly last: number;
  private readonly leased = new Set<number>();
  private next: number;

  constructor(readonly cidr: string) {
    const c = parseCidr(cidr);
    const size = 2 ** (32 - c.prefix);
    if (size < 4) throw new Error(`pod CIDR "${cidr}" has no room for pods`);
    this.first = c.base + 2;
    this.last = c.base + size - 2;
    this.next = this.first;
  }

  get inUse(): number {
    return this.leased.size;
  }

  allocate(): string {
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const candidate = this.first + ((this.next - this.first + i) % span);
      if (!this.leased.has(candidate)) {
        this.leased.add(candidate);
        this.next = candidate + 1 > this.last ? this.first : candidate + 1;
        return numberToIp(candidate);
      }
    }
    throw new Error(`pod CIDR "${this.cidr}" is exhausted`);
  }

  release(ip: string): void {
    this.leased.delete(ipToNumber(ip));
  }

  /** Takes a given address (a pod taken over after a restart); false when it is outside the range or leased. */
  reserve(ip: string): boolean {
    let n: number;
    try {
      n = ipToNumber(ip);
    } catch {
      return false;
    }
    if (n < this.first || n > this.last || this.leased.has(n)) return false;
    this.leased.add(n);
    return true;
  }
}
