// Pure figures for the benchmark: nearest-rank percentiles, and the simulators' Prometheus request counters
// parsed, diffed and summed, so "API calls per pod" is a subtraction of two scrapes.

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentile (the value at or below which q of the samples lie); NaN for no samples. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function percentiles(samples: readonly number[], digits = 1): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number) => (Number.isNaN(v) ? v : Number(v.toFixed(digits)));
  return { p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), p99: round(percentile(sorted, 0.99)) };
}

/** `verb resource code` -> count, from apiserver_request_total lines. */
export type RequestCounts = Map<string, number>;

const REQUEST_LINE = /^apiserver_request_total\{code="(\d+)",resource="([^"]*)",verb="([A-Z]+)"\} (\d+(?:\.\d+)?)$/;

export function parseRequestCounts(text: string): RequestCounts {
  const counts: RequestCounts = new Map();
  for (const line of text.split('\n')) {
    const m = REQUEST_LINE.exec(line);
    if (m) counts.set(`${m[3]} ${m[2]} ${m[1]}`, Number(m[4]));
  }
  return counts;
}

/** after - before, per key, dropping keys that did not move. */
export function diffCounts(before: RequestCounts, after: RequestCounts): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) out.set(key, delta);
  }
  return out;
}

/** Takes away calls the harness made itself (keyed `verb resource`, any code). */
export function withoutOwnCalls(counts: RequestCounts, own: ReadonlyMap<string, number>): RequestCounts {
  const out: RequestCounts = new Map(counts);
  for (const [verbResource, n] of own) {
    let left = n;
    for (const [key, value] of out) {
      if (left <= 0) break;
      if (!key.startsWith(`${verbResource} `)) continue;
      const take = Math.min(value, left);
      left -= take;
      if (value - take === 0) out.delete(key);
      else out.set(key, value - take);
    }
  }
  return out;
}

export function totalCalls(counts: RequestCounts): number {
  let sum = 0;
  for (const v of counts.values()) sum += v;
  return sum;
}

/** `GET pods 200: 5000, POST pods 201: 5000` -> { 'GET pods': 5000, ... } summed over codes, for the report. */
export function byVerbResource(counts: RequestCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of counts) {
    const vr = key.split(' ').slice(0, 2).join(' ');
    out[vr] = (out[vr] ?? 0) + value;
  }
  return out;
}

/** Quantiles of a Prometheus Summary in the text format, e.g. podferry_admission_handler_seconds. */
export function parseSummaryQuantiles(text: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^${name}\\{(?:[^}]*,)?quantile="([0-9.]+)"(?:,[^}]*)?\\} (\\S+)$`);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m && m[2] !== 'NaN') out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

/** `cmd` -> calls, from Redis INFO commandstats (`cmdstat_evalsha:calls=12,...`). */
export function parseCommandStats(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** Sums a counter's samples by one label across several scrapes, e.g. jobs completed by queue. */
export function sumCounterBy(texts: readonly string[], name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`);
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = re.exec(line);
      if (!m) continue;
      const value = new RegExp(`${label}="([^"]*)"`).exec(m[1])?.[1] ?? '';
      out.set(value, (out.get(value) ?? 0) + Number(m[2]));
    }
  }
  return out;
}

/** How many of `times` fall in each whole second after `t0` (index 0: the first second); every second up to the last counted. */
export function countPerSecond(times: readonly number[], t0: number): number[] {
  const out: number[] = [];
  for (const at of times) {
    if (!Number.isFinite(at) || at < t0) continue;
    const second = Math.floor((at - t0) / 1000);
    while (out.length <= second) out.push(0);
    out[second]++;
  }
  return out;
}
