// Kubernetes resource quantities ("250m", "64Mi", "1e3") as numbers, and the downward API's rendering of a
// container resource (k8s pkg/api/v1/resource ExtractContainerResourceValue): cpu rounds up to whole
// divisors of millicores, everything else to whole divisors of bytes.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The value of a quantity in base units (cores, bytes); NaN when it does not parse. */
export function parseQuantity(text: string | number | undefined): number {
  if (typeof text === 'number') return text;
  if (text === undefined) return NaN;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  if (m[3] !== undefined) return n * 10 ** Number(m[3]);
  const suffix = m[2] ?? '';
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** The downward API string for a resource value: ceil(value / divisor), in millicores for cpu. */
export function renderResource(resource: string, value: number, divisor: string | undefined): string {
  const d = parseQuantity(divisor ?? '1');
  const div = Number.isFinite(d) && d > 0 ? d : 1;
  if (resource.endsWith('cpu')) return String(Math.ceil(Math.round(value * 1000) / Math.round(div * 1000)));
  return String(Math.ceil(value / div));
}
