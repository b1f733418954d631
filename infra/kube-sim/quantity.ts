// resource.Quantity as the scheduler compares it: "100m", "0.5", "2", "128Mi", "1G", "1e3". Pure; values come
// back as plain numbers in the base unit (cores for cpu, bytes for memory), which is exact enough for the
// sums a simulated node holds. A string that is not a quantity parses to undefined (the API would refuse it).

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[3] !== undefined) return n * 10 ** Number(m[3]);
  const suffix = m[2] ?? '';
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

type Obj = Record<string, any>;

/** What the scheduler accounts for: cpu in cores, memory in bytes. */
export interface Requests {
  cpu: number;
  memory: number;
}

function containerRequests(c: Obj): Requests {
  const r = (c?.resources?.requests ?? {}) as Obj;
  return { cpu: parseQuantity(r.cpu) ?? 0, memory: parseQuantity(r.memory) ?? 0 };
}

/**
 * A pod's effective request (k8s pkg/api/v1/resource PodRequests): the app containers summed, raised to the
 * largest init container when one asks for more, plus the pod overhead.
 */
export function podRequests(spec: Obj | undefined): Requests {
  const out: Requests = { cpu: 0, memory: 0 };
  for (const c of (spec?.containers ?? []) as Obj[]) {
    const r = containerRequests(c);
    out.cpu += r.cpu;
    out.memory += r.memory;
  }
  for (const c of (spec?.initContainers ?? []) as Obj[]) {
    const r = containerRequests(c);
    out.cpu = Math.max(out.cpu, r.cpu);
    out.memory = Math.max(out.memory, r.memory);
  }
  const overhead = (spec?.overhead ?? {}) as Obj;
  out.cpu += parseQuantity(overhead.cpu) ?? 0;
  out.memory += parseQuantity(overhead.memory) ?? 0;
  return out;
}
