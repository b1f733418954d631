// `npm run bench`: podferry's sync measured against the host API's own limit. Starts the whole system on
// loopback, runs the burst beside its baseline and the steady load, and prints a table (or, with --json,
// one JSON object). `--scale-out` compares 1, 2 and 4 worker processes at 20 ms host latency.
//   npm run bench -- [--pods 5000] [--concurrency 64] [--workers 1] [--host-latency-ms 5] [--rate 200]
//                    [--seconds 10] [--host-qps N] [--host-rate-limit-qps N] [--rss] [--scale-out] [--quick]
//                    [--host-process] [--change-pods N]
//                    [--json] [--quiet] [--svg-dir docs]
// Progress goes to stderr (--quiet: none); stdout is only the table or the JSON (`npm run -s bench -- --json`).
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { runBaseline, type BaselineResult } from './baseline.js';
import { writeCharts } from './charts.js';
import { formatTable } from './report.js';
import { runSystem, type SystemRunResult } from './system-run.js';

const { values: a } = parseArgs({
  options: {
    pods: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    workers: { type: 'string', default: '1' },
    'worker-concurrency': { type: 'string', default: '50' },
    'host-latency-ms': { type: 'string', default: '5' },
    'host-rate-limit-qps': { type: 'string', default: '0' },
    'host-qps': { type: 'string', default: '10000' },
    'kubelet-step-ms': { type: 'string', default: '100' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string' },
    rss: { type: 'boolean', default: false },
    'scale-out': { type: 'boolean', default: false },
    'scale-out-pods': { type: 'string', default: '2000' },
    'change-pods': { type: 'string' },
    quick: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    'host-process': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'svg-dir': { type: 'string' },
  },
});

const num = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`bench: --${name} needs a number of at least ${min}, got ${v}\n`);
    process.exit(2);
  }
  return n;
};

const pods = num('pods', a.pods ?? (a.quick ? '500' : '5000'), 1);
const seconds = num('seconds', a.seconds ?? (a.quick ? '5' : '10'), 1);
const rate = num('rate', a.rate, 1);
const concurrency = num('concurrency', a.concurrency, 1);
const workers = num('workers', a.workers, 1);
const latencyMs = num('host-latency-ms', a['host-latency-ms'], 0);
const rateLimitQps = num('host-rate-limit-qps', a['host-rate-limit-qps'], 0);
const common = {
  concurrency,
  workerConcurrency: num('worker-concurrency', a['worker-concurrency'], 1),
  hostQps: num('host-qps', a['host-qps'], 1),
  kubeletStepMs: num('kubelet-step-ms', a['kubelet-step-ms'], 0),
  quiet: a.quiet === true,
  hostProcess: a['host-process'] === true,
};
const faultsAt = (ms: number) => ({ latencyMs: ms, ...(rateLimitQps > 0 ? { rateLimitQps, rateLimitBurst: rateLimitQps } : {}) });
const nodesFor = (n: number) => Math.ceil(n / 110) + 2;
const timeoutMs = Math.max(120_000, pods * 60);

async function main(): Promise<void> {
  const rssPods = a.rss ? 10_000 : 0;
  const steadyPods = Math.round(rate * seconds);
  const baseline = await runBaseline({ ...common, pods, nodes: nodesFor(pods), faults: faultsAt(latencyMs), timeoutMs });
  const run = await runSystem({
    ...common, pods, workers, faults: faultsAt(latencyMs), hostNodes: nodesFor(Math.max(rssPods, pods + steadyPods)),
    steadyRate: rate, steadySeconds: seconds, rssPods, timeoutMs,
    changePods: num('change-pods', a['change-pods'] ?? (a.quick ? '50' : '200'), 0),
  });
  const scaleOut: ScaleOutRow[] = [];
  if (a['scale-out']) {
    const soPods = num('scale-out-pods', a['scale-out-pods'], 1);
    for (const w of [1, 2, 4]) {
      const r = await runSystem({
        ...common, pods: soPods, workers: w, faults: faultsAt(20), hostNodes: nodesFor(soPods + 10),
        steadyRate: 1, steadySeconds: 1, rssPods: 0, changePods: 0, timeoutMs: Math.max(120_000, soPods * 100),
      });
      scaleOut.push({ workers: w, pods: soPods, host_created_s: r.host_created_s, virtual_ready_s: r.virtual_ready_s, pods_per_s: Math.round(soPods / r.host_created_s) });
    }
  }
  const result = summarize(run, baseline, scaleOut);
  if (a['svg-dir']) await writeCharts(result, a['svg-dir']);
  process.stdout.write(a.json ? `${JSON.stringify(result)}\n` : formatTable(result));
}

interface ScaleOutRow { workers: number; pods: number; host_created_s: number; virtual_ready_s: number; pods_per_s: number }

function summarize(run: SystemRunResult, baseline: BaselineResult, scaleOut: ScaleOutRow[]) {
  const r2 = (v: number) => Number(v.toFixed(2));
  return {
    pods, workers, concurrency, host_latency_ms: latencyMs,
    host_created_s: run.host_created_s,
    virtual_ready_s: run.virtual_ready_s,
    baseline_created_s: r2(baseline.created_s),
    baseline_ready_s: r2(baseline.ready_s),
    ratio_created: r2(run.host_created_s / baseline.created_s),
    ratio_ready: r2(run.virtual_ready_s / baseline.ready_s),
    create_to_host_ms: run.create_to_host_ms,
    host_ready_to_virtual_ready_ms: run.host_ready_to_virtual_ready_ms,
    host_change: run.host_change,
    admission_ms: run.admission_ms,
    api_calls_per_pod: run.api_calls_per_pod,
    worker_rss_mb: run.worker_rss_mb,
    redis_bytes_per_job: run.redis_bytes_per_job,
    host_watch_redis: run.host_watch_redis,
    host_process: common.hostProcess,
    cpu_ms_per_pod: {
      ...run.cpu_ms_per_pod,
      baseline: baseline.cpu_ms_per_pod,
      ...(baseline.host_process_cpu_ms_per_pod !== undefined ? { baseline_host_process: baseline.host_process_cpu_ms_per_pod } : {}),
    },
    jobs_per_pod: run.jobs_per_pod,
    redis_commands_per_pod: run.redis_commands_per_pod,
    redis_commands_top: run.redis_commands_top,
    // Other work on the machine skews every time above; the 1-minute load average says how much.
    load_average_1m: Number(loadavg()[0].toFixed(2)),
    steady: run.steady,
    admission_source: run.admission_source,
    admission_channel_ms: run.admission_channel_ms,
    api_calls_breakdown: run.api_calls_breakdown,
    ...(scaleOut.length > 0 ? { scale_out: scaleOut } : {}),
  };
}

export type BenchResult = ReturnType<typeof summarize>;

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
