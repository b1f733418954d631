// The human table of `npm run bench`: each figure beside its target (issue 12), so a reader sees at once
// what holds. The JSON (--json) carries the same figures and more.
import type { LatencyFigures } from './change-latency.js';
import type { Percentiles } from './stats.js';

interface TableInput {
  pods: number;
  workers: number;
  host_latency_ms: number;
  service_account_tokens?: string;
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
  virtual_calls_per_pod_without_events?: number;
  worker_rss_mb: { at_1k: number | null; at_10k: number | null };
  redis_bytes_per_job: number;
  redis_bytes_per_synced_pod?: { pods: number; bytes_per_pod: number };
  cpu_ms_per_pod: { workers: number; stack: number; baseline: number; host_process?: number; webhook?: number; host_watch?: number; node_proxy?: number; redis?: number; podferry?: number };
  jobs_per_pod: Record<string, number>;
  redis_commands_per_pod: number;
  redis_client?: { commands_per_pod: number; round_trips_per_pod: number };
  load_average_1m: number;
  steady: { rate: number; seconds: number; rate_source?: string };
  max_steady_rate?: { sustained_pods_per_s: number } | null;
  host_change?: { crash_status_ms: LatencyFigures; host_delete_ms: LatencyFigures; api_calls_per_pod: { virtual: number; host: number } } | null;
  admission_source: string;
  host_bound?: { ratio: number; qps: number; syncSeconds: number; directSeconds: number; pods: number; host_api_calls_per_pod: number; limit_seconds?: number; direct_at_limit?: boolean };
  deployment?: { replicas: number; virtual_ready_s: number; baseline_ready_s: number; ratio_ready: number };
  scale_out?: Array<{ workers: number; pods: number; host_created_s: number; pods_per_s: number }>;
  scale_out_latency_bound?: Array<{ workers: number; pods: number; host_created_s: number; pods_per_s: number }>;
}

const pct = (p: Percentiles) => `p50 ${p.p50}  p95 ${p.p95}  p99 ${p.p99}`;
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');

export function formatTable(r: TableInput): string {
  const rssOk = r.worker_rss_mb.at_1k !== null && r.worker_rss_mb.at_10k !== null ? r.worker_rss_mb.at_10k <= r.worker_rss_mb.at_1k * 1.1 : undefined;
  const cpu = r.cpu_ms_per_pod;
  const rows: Array<[string, string, string, string]> = [
    ['burst: host pods created', `${r.host_created_s} s`, `baseline ${r.baseline_created_s} s, ratio ${r.ratio_created}`, ''],
    ['burst: virtual pods Ready', `${r.virtual_ready_s} s`, `baseline ${r.baseline_ready_s} s, ratio ${r.ratio_ready}`, ''],
  ];
  if (r.host_bound) {
    const h = r.host_bound;
    const floor = h.limit_seconds !== undefined ? ` (floor ${h.limit_seconds} s${h.direct_at_limit === false ? ': the machine, not the limit, bound the direct run' : ''})` : '';
    rows.push([`host-bound (${h.qps} req/s, ${h.pods} pods)`, `sync ${h.syncSeconds} s, direct ${h.directSeconds} s${floor}`, `ratio ${h.ratio} <= 1.10`, mark(h.ratio <= 1.1)]);
  }
  rows.push(
    ['API calls per pod, host', `${r.api_calls_per_pod.host}`, '<= 1.1', mark(r.api_calls_per_pod.host <= 1.1)],
    ['API calls per pod, virtual', `${r.api_calls_per_pod.virtual}${r.virtual_calls_per_pod_without_events !== undefined ? ` (${r.virtual_calls_per_pod_without_events} without events)` : ''}`, '<= 3.1', mark(r.api_calls_per_pod.virtual <= 3.1)],
  );
  if (cpu.podferry !== undefined) rows.push(['CPU per pod: podferry / host API (baseline)', `${cpu.podferry} / ${cpu.baseline} ms`, '<= 0.5x', mark(cpu.podferry <= 0.5 * cpu.baseline)]);
  if (r.redis_client) rows.push(['Redis commands per pod (sent)', `${r.redis_client.commands_per_pod} (${r.redis_client.round_trips_per_pod} round trips; ${r.redis_commands_per_pod} with script internals)`, '<= 40', mark(r.redis_client.commands_per_pod <= 40)]);
  if (r.max_steady_rate) rows.push(['highest sustained steady rate', `${r.max_steady_rate.sustained_pods_per_s} pods/s`, '', '']);
  rows.push(
    [`steady ${r.steady.rate}/s: create -> host (ms)`, pct(r.create_to_host_ms), 'p99 <= 100', mark(r.create_to_host_ms.p99 <= 100)],
    ['host Ready -> virtual Ready (ms)', pct(r.host_ready_to_virtual_ready_ms), 'p99 <= 250', mark(r.host_ready_to_virtual_ready_ms.p99 <= 250)],
    ['admission handler (ms)', pct(r.admission_ms), 'p99 <= 0.5', mark(r.admission_ms.p99 <= 0.5)],
    ['worker RSS (MiB)', `at 1k ${r.worker_rss_mb.at_1k ?? '-'}, at 10k ${r.worker_rss_mb.at_10k ?? '- (use --rss)'}`, '10k within 10% of 1k', mark(rssOk)],
  );
  const lat = (f: LatencyFigures) => `p50 ${f.p50}  p99 ${f.p99}  max ${f.max}  (${f.shown}/${f.changes} shown)`;
  if (r.host_change) {
    rows.push(['host crash after Ready -> virtual (ms)', lat(r.host_change.crash_status_ms), 'within 1 s', mark(r.host_change.crash_status_ms.shown > 0 ? r.host_change.crash_status_ms.p99 <= 1000 : undefined)]);
    rows.push(['host pod deleted -> virtual (ms)', lat(r.host_change.host_delete_ms), 'within 1 s', mark(r.host_change.host_delete_ms.shown > 0 ? r.host_change.host_delete_ms.p99 <= 1000 : undefined)]);
    rows.push(['API calls per changed pod', `virtual ${r.host_change.api_calls_per_pod.virtual}, host ${r.host_change.api_calls_per_pod.host}`, '', '']);
  }
  if (r.deployment) rows.push([`Deployment of ${r.deployment.replicas}: virtual Ready`, `${r.deployment.virtual_ready_s} s`, `baseline ${r.deployment.baseline_ready_s} s, ratio ${r.deployment.ratio_ready}`, '']);
  const scale = (label: string, list: NonNullable<TableInput['scale_out']>) => {
    const one = list[0].pods_per_s;
    for (const s of list) rows.push([`${label} ${s.workers} worker(s)`, `${s.pods_per_s} pods/s (${s.host_created_s} s)`, s.workers === 4 ? '>= 3x one worker' : '', s.workers === 4 ? `${(s.pods_per_s / one).toFixed(2)}x ${mark(s.pods_per_s >= 3 * one)}` : `${(s.pods_per_s / one).toFixed(2)}x`]);
  };
  if (r.scale_out && r.scale_out.length > 0) scale('scale-out 20 ms,', r.scale_out);
  if (r.scale_out_latency_bound && r.scale_out_latency_bound.length > 0) scale('latency-bound 50 ms,', r.scale_out_latency_bound);
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const head = `podferry bench: ${r.pods} pods, ${r.workers} worker process(es), ${r.host_latency_ms} ms host latency, SERVICE_ACCOUNT_TOKENS=${r.service_account_tokens ?? 'secret'}, load average ${r.load_average_1m}\n`;
  const body = rows.map((row) => row.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n');
  const notes = [
    `CPU per pod (ms): workers ${cpu.workers}, webhook ${cpu.webhook ?? '-'}, host watch ${cpu.host_watch ?? '-'}, node proxy ${cpu.node_proxy ?? '-'}, Redis ${cpu.redis ?? '-'}; host API ${cpu.host_process ?? '-'}; this process (virtual API, harness) ${cpu.stack}`,
    `Redis per queued job: ${r.redis_bytes_per_job} bytes${r.redis_bytes_per_synced_pod ? `; per synced pod ${r.redis_bytes_per_synced_pod.bytes_per_pod} bytes (${r.redis_bytes_per_synced_pod.pods} pods)` : ''}`,
    `jobs per pod by outcome: ${Object.entries(r.jobs_per_pod).map(([q, n]) => `${q} ${n}`).join(', ')}`,
    `steady rate: ${r.steady.rate_source ?? ''}; admission: ${r.admission_source}`,
  ];
  return `${head}${body}\n${notes.join('\n')}\n`;
}
