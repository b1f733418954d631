// The two charts of docs/bench.md, from a `npm run bench -- --json` result: the burst against its baseline,
// and sync throughput by worker processes when the result has a scale-out.
//   node --import tsx bench/charts.ts result.json docs     writes docs/bench-burst.svg (and bench-scale-out.svg)
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBarChart } from './chart-svg.js';

export interface ChartInput {
  pods: number;
  workers: number;
  concurrency: number;
  host_latency_ms: number;
  host_created_s: number;
  virtual_ready_s: number;
  baseline_created_s: number;
  baseline_ready_s: number;
  load_average_1m?: number;
  scale_out?: Array<{ workers: number; pods: number; pods_per_s: number }>;
}

export function burstChart(r: ChartInput): string {
  const load = r.load_average_1m !== undefined ? `, load ${r.load_average_1m}` : '';
  return renderBarChart(`podferry bench: burst of ${r.pods} pods against the host API's own limit`, [{
    title: `concurrency ${r.concurrency}, ${r.host_latency_ms} ms host latency, ${r.workers} worker process(es)${load}`,
    unit: 's',
    bars: [
      { label: 'baseline: host pods created', value: r.baseline_created_s, color: '#9aa5b1' },
      { label: 'podferry: host pods created', value: r.host_created_s, color: '#2f6fde' },
      { label: 'baseline: host pods Ready', value: r.baseline_ready_s, color: '#9aa5b1' },
      { label: 'podferry: virtual pods Ready', value: r.virtual_ready_s, color: '#1f9d55' },
    ],
  }]);
}

export function scaleOutChart(rows: NonNullable<ChartInput['scale_out']>, note = ''): string {
  return renderBarChart('podferry bench: scale-out', [{
    title: `host pods created per second, ${rows[0]?.pods ?? 0} pods, 20 ms host latency${note}`,
    unit: 'pods/s',
    bars: rows.map((s) => ({ label: `${s.workers} worker process${s.workers > 1 ? 'es' : ''}`, value: s.pods_per_s, color: '#6b46c1' })),
  }]);
}

export async function writeCharts(r: ChartInput, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written = [join(dir, 'bench-burst.svg')];
  await writeFile(written[0], burstChart(r));
  if (r.scale_out && r.scale_out.length > 0) {
    written.push(join(dir, 'bench-scale-out.svg'));
    await writeFile(written[1], scaleOutChart(r.scale_out));
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, dir] = process.argv.slice(2);
  if (!file || !dir) {
    process.stderr.write('usage: node --import tsx bench/charts.ts RESULT.json DIR\n');
    process.exit(2);
  }
  // Tolerates npm's "> podferry bench" banner lines before the JSON.
  const text = (await readFile(file, 'utf8')).split('\n').filter((l) => l.startsWith('{')).pop() ?? '';
  for (const f of await writeCharts(JSON.parse(text) as ChartInput, dir)) process.stdout.write(`${f}\n`);
}
