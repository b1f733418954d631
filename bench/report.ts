// The human table of `npm run bench`: each figure beside its target, so a reader sees at once what holds.
import type { LatencyFigures } from './change-latency.js';
import type { Percentiles } from './stats.js';

interface TableInput {
  pods: number;
  workers: number;
  host_latency_ms: number;
  host_created_s: number;
  virtual_ready_s: number;
  baseline_created_s: number;
  baseline_ready_s: number;
  ratio_created: number;
  ratio_ready: number;
  create_to_host_ms: Percentiles;
  host_ready_to_virtual_ready_ms: Percentiles;
  admission_ms: Percentiles;
  api_calls_per_pod: { virtual: number; host: number };
  worker_rss_mb: { at_1k: number | null; at_10k: number | null };
  redis_bytes_per_job: number;
  cpu_ms_per_pod: { workers: number; stack: number; baseline: number; host_process?: number; baseline_host_process?: number };
  host_process?: boolean;
  jobs_per_pod: Record<string, number>;
  redis_commands_per_pod: number;
  load_average_1m: number;
  steady: { rate: number; seconds: number };
  host_change?: { crash_status_ms: LatencyFigures; host_delete_ms: LatencyFigures; api_calls_per_pod: { virtual: number; host: number } } | null;
  admission_source: string;
  scale_out?: Array<{ workers: number; pods: number; host_created_s: number; pods_per_s: number }>;
}

const pct = (p: Percentiles) => `p50 ${p.p50}  p95 ${p.p95}  p99 ${p.p99}`;
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');

export function formatTable(r: TableInput): string {
  const rssOk = r.worker_rss_mb.at_1k !== null && r.worker_rss_mb.at_10k !== null ? r.worker_rss_mb.at_10k <= r.worker_rss_mb.at_1k * 1.1 : undefined;
  const rows: Array<[string, string, string, string]> = [
    ['burst: host pods created', `${r.host_created_s} s`, `baseline ${r.baseline_created_s} s, ratio ${r.ratio_created}`, mark(r.ratio_created <= 1.1)],
    ['burst: virtual pods Ready', `${r.virtual_ready_s} s`, `baseline ${r.baseline_ready_s} s, ratio ${r.ratio_ready}`, mark(r.ratio_ready <= 1.1)],
    [`steady ${r.steady.rate}/s: create -> host (ms)`, pct(r.create_to_host_ms), 'p99 <= 50', mark(r.create_to_host_ms.p99 <= 50)],
    ['host Ready -> virtual Ready (ms)', pct(r.host_ready_to_virtual_ready_ms), 'p99 <= 1000', mark(r.host_ready_to_virtual_ready_ms.p99 <= 1000)],
    ['admission handler (ms)', pct(r.admission_ms), 'p99 <= 2', mark(r.admission_ms.p99 <= 2)],
    ['API calls per pod', `virtual ${r.api_calls_per_pod.virtual}, host ${r.api_calls_per_pod.host}`, '<= 6 each', mark(r.api_calls_per_pod.virtual <= 6 && r.api_calls_per_pod.host <= 6)],
    ['worker RSS (MiB)', `at 1k ${r.worker_rss_mb.at_1k ?? '-'}, at 10k ${r.worker_rss_mb.at_10k ?? '- (use --rss)'}`, '10k within 10% of 1k', mark(rssOk)],
  ];
  const lat = (f: LatencyFigures) => `p50 ${f.p50}  p99 ${f.p99}  max ${f.max}  (${f.shown}/${f.changes} shown)`;
  if (r.host_change) {
    rows.push(['host crash after Ready -> virtual (ms)', lat(r.host_change.crash_status_ms), 'within 1 s', mark(r.host_change.crash_status_ms.shown > 0 ? r.host_change.crash_status_ms.p99 <= 1000 : undefined)]);
    rows.push(['host pod deleted -> virtual (ms)', lat(r.host_change.host_delete_ms), 'within 1 s', mark(r.host_change.host_delete_ms.shown > 0 ? r.host_change.host_delete_ms.p99 <= 1000 : undefined)]);
    rows.push(['API calls per changed pod', `virtual ${r.host_change.api_calls_per_pod.virtual}, host ${r.host_change.api_calls_per_pod.host}`, '', '']);
  }
  if (r.scale_out && r.scale_out.length > 0) {
    const one = r.scale_out[0].pods_per_s;
    for (const s of r.scale_out) rows.push([`scale-out ${s.workers} worker(s), 20 ms`, `${s.pods_per_s} pods/s (${s.host_created_s} s)`, s.workers === 4 ? '>= 3x one worker' : '', s.workers === 4 ? `${(s.pods_per_s / one).toFixed(2)}x ${mark(s.pods_per_s >= 3 * one)}` : `${(s.pods_per_s / one).toFixed(2)}x`]);
  }
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const head = `podferry bench: ${r.pods} pods, ${r.workers} worker process(es), ${r.host_latency_ms} ms host latency${r.host_process ? ' (host simulator in its own process)' : ''}, load average ${r.load_average_1m}\n`;
  const body = rows.map((row) => row.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n');
  const cpu = r.cpu_ms_per_pod;
  const notes = [
    `Redis per queued job: ${r.redis_bytes_per_job} bytes; Redis commands per pod: ${r.redis_commands_per_pod}`,
    `CPU per pod (ms): workers ${cpu.workers}, this process (simulators, webhook, harness) ${cpu.stack}${cpu.host_process !== undefined ? `, host simulator process ${cpu.host_process}` : ''}; baseline ${cpu.baseline}${cpu.baseline_host_process !== undefined ? ` + its host process ${cpu.baseline_host_process}` : ''}`,
    `jobs per pod by outcome: ${Object.entries(r.jobs_per_pod).map(([q, n]) => `${q} ${n}`).join(', ')}`,
    `admission: ${r.admission_source}`,
  ];
  return `${head}${body}\n${notes.join('\n')}\n`;
}
