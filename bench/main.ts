// `npm run bench`: podferry's sync measured against the host API's own limit. Starts the whole system on
// loopback (every part in its own process), runs the burst beside its baseline, searches the highest steady
// rate the machine sustains and measures latencies below it, and runs the host-bound regime (the host API
// rate-limited, podferry's HOST_QPS at the same budget) beside its own baseline. Prints a table (or, with
// --json, one JSON object). `--scale-out` adds worker processes 1, 2 and 4, CPU-bound (20 ms host latency)
// and latency-bound (50 ms, one job at a time per worker); `--deployment` adds one Deployment of P replicas.
//   npm run bench -- [--pods 5000] [--concurrency 64] [--workers 1] [--host-latency-ms 5] [--rate auto|R]
//                    [--seconds 10] [--rate-steps 10,25,50,100,200,400] [--rate-step-seconds 2]
//                    [--host-rate-limit-qps 50] [--host-bound-pods 500] [--host-bound-concurrency 8] [--host-qps N]
//                    [--rss] [--scale-out]
//                    [--deployment] [--quick] [--change-pods N] [--json] [--quiet] [--svg-dir docs]
// Progress goes to stderr (--quiet: none); stdout is only the table or the JSON (`npm run -s bench -- --json`).
import { parseArgs } from 'node:util';
import { SERVICE_ACCOUNT_TOKEN_MODES, type ServiceAccountTokenMode } from '../functions/_shared/core/service-account-token.js';
import { loadavg } from 'node:os';
import { runBaseline, type BaselineResult } from './baseline.js';
import { writeCharts } from './charts.js';
import { formatTable } from './report.js';
import { runBurst, runDrain, runSystem, startBenchStack, type BenchStackOptions, type BurstFigures, type SystemRunResult } from './system-run.js';

const { values: a } = parseArgs({
  options: {
    pods: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    workers: { type: 'string', default: '1' },
    'worker-concurrency': { type: 'string', default: '50' },
    'host-latency-ms': { type: 'string', default: '5' },
    'host-rate-limit-qps': { type: 'string', default: '50' },
    'host-bound-concurrency': { type: 'string', default: '8' },
    'host-bound-pods': { type: 'string' },
    'host-qps': { type: 'string', default: '10000' },
    'kubelet-step-ms': { type: 'string', default: '100' },
    // STATUS_STARTUP_COALESCE_MS of the workers (default: the worker's own, 1000).
    'startup-coalesce-ms': { type: 'string' },
    rate: { type: 'string', default: 'auto' },
    seconds: { type: 'string' },
    'rate-steps': { type: 'string', default: '10,25,50,100,200,400' },
    'rate-step-seconds': { type: 'string', default: '2' },
    rss: { type: 'boolean', default: false },
    'scale-out': { type: 'boolean', default: false },
    'scale-out-pods': { type: 'string', default: '2000' },
    'scale-out-latency-pods': { type: 'string', default: '300' },
    'scale-out-latency-ms': { type: 'string', default: '50' },
    deployment: { type: 'boolean', default: false },
    'change-pods': { type: 'string' },
    quick: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    // The host simulator always runs in its own process now; the flag is kept so older commands still work.
    'host-process': { type: 'boolean', default: true },
    json: { type: 'boolean', default: false },
    'svg-dir': { type: 'string' },
    // SERVICE_ACCOUNT_TOKENS of the workers: how pods get their virtual token (the worker's default: secret).
    tokens: { type: 'string', default: process.env.SERVICE_ACCOUNT_TOKENS ?? 'secret' },
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
const seconds = num('seconds', a.seconds ?? (a.quick ? '5' : '10'), 0);
const rate: number | 'auto' = a.rate === 'auto' ? 'auto' : num('rate', a.rate, 1);
const rateSteps = (a['rate-steps'] ?? '').split(',').filter((s) => s.trim() !== '' && s.trim() !== '0').map((s) => num('rate-steps', s, 1));
const rateStepSeconds = num('rate-step-seconds', a['rate-step-seconds'], 1);
const concurrency = num('concurrency', a.concurrency, 1);
const workers = num('workers', a.workers, 1);
const latencyMs = num('host-latency-ms', a['host-latency-ms'], 0);
const boundQps = num('host-rate-limit-qps', a['host-rate-limit-qps'], 0);
const boundPods = num('host-bound-pods', a['host-bound-pods'] ?? (a.quick ? '300' : '500'), 1);
// The host-bound leg's virtual creates in flight. At 8 they still arrive at about twice the host budget, so the
// budget stays the limit; at 64 the virtual API server, which shares the bench process and the two cores with
// everything else, is saturated for the first seconds and starves the syncer's own reads (docs/bench.md).
const boundConcurrency = num('host-bound-concurrency', a['host-bound-concurrency'], 1);
const kubeletStepMs = num('kubelet-step-ms', a['kubelet-step-ms'], 0);
const tokens = a.tokens as ServiceAccountTokenMode;
if (!SERVICE_ACCOUNT_TOKEN_MODES.includes(tokens)) {
  process.stderr.write(`bench: --tokens is one of ${SERVICE_ACCOUNT_TOKEN_MODES.join(', ')}, got ${a.tokens}\n`);
  process.exit(2);
}
const common = {
  concurrency,
  workerConcurrency: num('worker-concurrency', a['worker-concurrency'], 1),
  hostQps: num('host-qps', a['host-qps'], 1),
  kubeletStepMs,
  ...(a['startup-coalesce-ms'] !== undefined ? { startupCoalesceMs: num('startup-coalesce-ms', a['startup-coalesce-ms'], 0) } : {}),
  serviceAccountTokens: tokens,
  quiet: a.quiet === true,
};
const nodesFor = (n: number) => Math.ceil(n / 110) + 2;
const timeoutMs = Math.max(120_000, pods * 60);

/** A stack that only runs the burst: the host-bound regime and the scale-out rows. */
async function burstOnly(o: Omit<BenchStackOptions, 'quiet' | 'kubeletStepMs' | 'hostNodes'> & { pods: number; label: string; timeoutMs: number; concurrency?: number }): Promise<BurstFigures> {
  const b = await startBenchStack({ ...common, ...o, hostNodes: nodesFor(o.pods + 10) });
  try {
    return await runBurst(b, { pods: o.pods, concurrency: o.concurrency ?? concurrency, timeoutMs: o.timeoutMs, quiet: common.quiet, label: o.label });
  } finally {
    await b.close();
  }
}

async function main(): Promise<void> {
  const rssPods = a.rss ? 10_000 : 0;
  const maxSearchPods = rateSteps.reduce((n, r) => n + r * rateStepSeconds, 0);
  const steadyPods = Math.round((rate === 'auto' ? 100 : rate) * seconds);
  const deploymentReplicas = a.deployment ? pods : 0;
  const baseline = await runBaseline({ ...common, pods, nodes: nodesFor(pods), faults: { latencyMs }, timeoutMs });
  const run = await runSystem({
    ...common, pods, workers, faults: { latencyMs },
    hostNodes: nodesFor(Math.max(rssPods, pods + steadyPods + maxSearchPods + deploymentReplicas + 400)),
    steadyRate: rate, steadySeconds: seconds, rateSteps, rateStepSeconds, deploymentReplicas, rssPods, timeoutMs,
    changePods: num('change-pods', a['change-pods'] ?? (a.quick ? '50' : '200'), 0),
  });
  const deploymentBaseline = a.deployment ? await runBaseline({ ...common, pods, nodes: nodesFor(pods), faults: { latencyMs }, timeoutMs, deployment: true }) : undefined;

  // The host-bound regime: the host API answers 429 above Q requests/s (burst Q), podferry's HOST_QPS is Q,
  // and the direct client holds the same limit and honours Retry-After.
  let hostBound: HostBound | undefined;
  if (boundQps > 0) {
    const faults = { latencyMs, rateLimitQps: boundQps, rateLimitBurst: boundQps };
    const boundTimeout = Math.max(120_000, (boundPods / boundQps) * 10_000);
    const direct = await runBaseline({ ...common, pods: boundPods, nodes: nodesFor(boundPods), faults, clientQps: boundQps, timeoutMs: boundTimeout });
    const sync = await burstOnly({ pods: boundPods, workers, concurrency: boundConcurrency, workerConcurrency: common.workerConcurrency, hostQps: boundQps, faults, label: `host-bound ${boundQps}/s`, timeoutMs: boundTimeout });
    hostBound = {
      ratio: Number((sync.host_created_s / direct.created_s).toFixed(2)),
      qps: boundQps,
      syncSeconds: sync.host_created_s,
      directSeconds: Number(direct.created_s.toFixed(2)),
      pods: boundPods,
      // The floor both sides tend to when the limit, not the machine, bounds them: P creates at Q per second.
      limit_seconds: Number((boundPods / boundQps).toFixed(2)),
      // The direct creates came within 20 % of that floor: the limit, not the machine, bound the baseline.
      direct_at_limit: direct.created_s <= 1.2 * (boundPods / boundQps),
      ready_ratio: Number((sync.virtual_ready_s / direct.ready_s).toFixed(2)),
      virtual_create_concurrency: boundConcurrency,
      host_creates_per_s: sync.host_creates_per_s,
      host_api_calls_per_pod: sync.api_calls_per_pod.host,
      host_calls_breakdown: sync.api_calls_breakdown.host,
      podferry_429s: sync.host_429s,
      podferry_jobs_per_pod: sync.jobs_per_pod,
      direct_429s: direct.throttled,
    };
  }

  const scaleOut: ScaleOutRow[] = [];
  const latencyBound: ScaleOutRow[] = [];
  if (a['scale-out']) {
    const soPods = num('scale-out-pods', a['scale-out-pods'], 0);
    for (const w of soPods > 0 ? [1, 2, 4] : []) {
      const r = await burstOnly({ pods: soPods, workers: w, workerConcurrency: common.workerConcurrency, hostQps: common.hostQps, faults: { latencyMs: 20 }, label: `scale-out x${w}`, timeoutMs: Math.max(120_000, soPods * 100) });
      scaleOut.push({ workers: w, pods: soPods, host_created_s: r.host_created_s, virtual_ready_s: r.virtual_ready_s, pods_per_s: Math.round(soPods / r.host_created_s) });
    }
    // Honest on 2 cores: each worker takes one job of a kind at a time and every host call waits 50 ms, so a
    // worker is bound by that latency, far below what the machine's CPU allows; workers add up if the design does.
    // (--scale-out-latency-ms sets the latency: a machine busy with other work needs a longer one.)
    // The workers drain a full queue (runDrain), so what feeds it does not bound the figure either.
    const lbPods = num('scale-out-latency-pods', a['scale-out-latency-pods'], 1);
    const lbLatency = num('scale-out-latency-ms', a['scale-out-latency-ms'], 1);
    for (const w of [1, 2, 4]) {
      const b = await startBenchStack({ ...common, workers: w, workerConcurrency: 1, hostQps: common.hostQps, faults: { latencyMs: lbLatency }, hostNodes: nodesFor(lbPods + 10) });
      try {
        const r = await runDrain(b, { pods: lbPods, concurrency, timeoutMs: Math.max(120_000, lbPods * 1000), quiet: common.quiet, label: `latency-bound x${w}` });
        latencyBound.push({ workers: w, pods: lbPods, ...r, host_latency_ms: lbLatency, worker_concurrency: 1 });
      } finally {
        await b.close();
      }
    }
  }
  const result = summarize(run, baseline, hostBound, deploymentBaseline, scaleOut, latencyBound);
  if (a['svg-dir']) await writeCharts(result, a['svg-dir']);
  process.stdout.write(a.json ? `${JSON.stringify(result)}\n` : formatTable(result));
}

interface ScaleOutRow { workers: number; pods: number; host_created_s: number; virtual_ready_s: number; pods_per_s: number; host_latency_ms?: number; worker_concurrency?: number }

interface HostBound {
  ratio: number;
  qps: number;
  syncSeconds: number;
  directSeconds: number;
  pods: number;
  limit_seconds: number;
  direct_at_limit: boolean;
  /** Virtual Ready against the direct creates' Ready, under the same limit. */
  ready_ratio: number;
  /** The virtual creates the harness keeps in flight (--host-bound-concurrency). */
  virtual_create_concurrency: number;
  /** podferry's host creates in each second of the leg: a slow start shows here. */
  host_creates_per_s: number[];
  host_api_calls_per_pod: number;
  host_calls_breakdown: Record<string, number>;
  podferry_429s: number;
  podferry_jobs_per_pod: Record<string, number>;
  direct_429s: number;
}

function summarize(run: SystemRunResult, baseline: BaselineResult, hostBound: HostBound | undefined, deploymentBaseline: BaselineResult | undefined, scaleOut: ScaleOutRow[], latencyBound: ScaleOutRow[]) {
  const r2 = (v: number) => Number(v.toFixed(2));
  const cpu = run.cpu_ms_per_pod;
  return {
    pods, workers, concurrency, host_latency_ms: latencyMs, service_account_tokens: tokens,
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
    virtual_calls_per_pod_without_events: run.virtual_calls_per_pod_without_events,
    worker_rss_mb: run.worker_rss_mb,
    redis_bytes_per_job: run.redis_bytes_per_job,
    redis_bytes_per_synced_pod: run.redis_bytes_per_synced_pod,
    host_watch_redis: run.host_watch_redis,
    host_process: true,
    cpu_ms_per_pod: {
      ...cpu,
      // The host API server's CPU per pod when the same pods are created directly (its own process).
      baseline: baseline.host_cpu_ms_per_pod,
      baseline_host_process: baseline.host_cpu_ms_per_pod,
      baseline_harness: baseline.harness_cpu_ms_per_pod,
      podferry_to_baseline: r2(cpu.podferry / baseline.host_cpu_ms_per_pod),
    },
    jobs_per_pod: run.jobs_per_pod,
    jobs_per_pod_by_queue: run.jobs_per_pod_by_queue,
    redis_commands_per_pod: run.redis_commands_per_pod,
    redis_commands_top: run.redis_commands_top,
    redis_client: run.redis_client,
    // Other work on the machine skews every time above; the 1-minute load average says how much.
    load_average_1m: Number(loadavg()[0].toFixed(2)),
    steady: run.steady ?? { rate: 0, rate_source: 'no steady leg', seconds: 0, pods: 0, duration_s: 0 },
    max_steady_rate: run.max_steady_rate,
    admission_source: run.admission_source,
    admission_channel_ms: run.admission_channel_ms,
    api_calls_breakdown: run.api_calls_breakdown,
    ...(hostBound ? { host_bound: hostBound } : {}),
    ...(run.deployment && deploymentBaseline ? {
      deployment: {
        ...run.deployment,
        baseline_created_s: r2(deploymentBaseline.created_s),
        baseline_ready_s: r2(deploymentBaseline.ready_s),
        ratio_ready: r2(run.deployment.virtual_ready_s / deploymentBaseline.ready_s),
      },
    } : {}),
    ...(scaleOut.length > 0 ? { scale_out: scaleOut } : {}),
    ...(latencyBound.length > 0 ? { scale_out_latency_bound: latencyBound } : {}),
  };
}

export type BenchResult = ReturnType<typeof summarize>;

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
