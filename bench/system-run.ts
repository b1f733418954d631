// One run of the whole system on loopback, every part in a process of its own so that /proc tells their
// CPU apart: the host simulator (the host API server), `podferry webhook`, `podferry worker` (N of them),
// `podferry host-watch`, `podferry node-proxy` and redis-server; this process holds the virtual simulator
// (the virtual API server), the dashboard and the harness. The legs run on it in turn: the burst (P pods
// at concurrency C), the search for the highest steady rate, the steady load, a Deployment, the RSS leg and
// the host-change leg, each when asked. Every time comes from the harness's own watches.
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../functions/_shared/queue/names.js';
import { startLocalStack, type LocalStack } from '../functions/start/local-stack.js';
import { hostPodName } from '../functions/_shared/core/names.js';
import { hostWatchKeys } from '../functions/_shared/queue/host-watch-keys.js';
import type { StartClusterOptions } from '../infra/kube-sim/server.js';
import type { FaultOptions } from '../infra/kube-sim/types.js';
import { fetchApiMetrics } from './api-metrics.js';
import { hostCpuMs, startHostProcess } from './host-process.js';
import { createDeployment, podCreator, type PodCreator } from './load.js';
import { trackPods, type PodTracker } from './pod-tracker.js';
import { crashPod, deleteLatencies, deleteOnHost, statusChangeLatencies, waitUpTo, type LatencyFigures } from './change-latency.js';
import { startProgress, type Progress } from './progress.js';
import { hostWatchBytesPerPod, redisBytesPerJob, usedMemory } from './redis-memory.js';
import { byVerbResource, countPerSecond, parseCommandStats, sumCounterBy, diffCounts, parseRequestCounts, parseSummaryQuantiles, percentiles, totalCalls, withoutOwnCalls, type Percentiles, type RequestCounts } from './stats.js';
import { judgeStep, type RateStep } from './steady-rate.js';
import { settle, type Settled } from './settle.js';
import { queueCounter } from '../chaos/queue-counter.js';
import { cpuMsOf, startPodferryProcess, startWorkerFleet, type PodferryProcess, type WorkerFleet } from './worker-processes.js';
import type { ProbeReport } from './probe.js';
import type { ServiceAccountTokenMode } from '../functions/_shared/core/service-account-token.js';

export interface BenchStackOptions {
  workers: number;
  workerConcurrency: number;
  /** HOST_QPS: podferry's own limit for the host API. */
  hostQps: number;
  /** Given to the host simulator at its start (latency, the 429 rate limit). */
  faults: FaultOptions;
  kubeletStepMs: number;
  /** STATUS_STARTUP_COALESCE_MS of the workers (absent: the worker's default). */
  startupCoalesceMs?: number;
  hostNodes: number;
  /** SERVICE_ACCOUNT_TOKENS of the workers. */
  serviceAccountTokens?: ServiceAccountTokenMode;
  quiet: boolean;
}

export interface SystemRunOptions extends BenchStackOptions {
  pods: number;
  concurrency: number;
  /** The steady load: a fixed rate, or 'auto' (below the highest rate the search found). 0 seconds: no steady leg. */
  steadyRate: number | 'auto';
  steadySeconds: number;
  /** Rates to try, lowest first, each for rateStepSeconds; empty: no search. */
  rateSteps: number[];
  rateStepSeconds: number;
  /** One Deployment of this many replicas in the virtual cluster (0: no Deployment leg). */
  deploymentReplicas: number;
  /** Create more pods until this many are synced in all (0: no RSS-at-10k leg). */
  rssPods: number;
  /** The host-change leg: this many sim-crash pods, and as many burst pods deleted on the host (0: none). */
  changePods: number;
  timeoutMs: number;
}

/** CPU ms per burst pod of each process; `podferry` is the sum of podferry's own (functions and Redis). */
export interface CpuPerPod {
  workers: number;
  webhook: number;
  host_watch: number;
  node_proxy: number;
  redis: number;
  podferry: number;
  /** The host API server (the host simulator's process). */
  host_process: number;
  /** This process: the virtual API server (the virtual simulator), the dashboard and the harness. */
  stack: number;
}

export interface RedisClientFigures {
  /** Commands podferry's processes sent per burst pod (a script call once; what it runs inside Redis not). */
  commands_per_pod: number;
  /** Socket writes per burst pod: a lone command one, a pipeline or MULTI block one in all. */
  round_trips_per_pod: number;
  by_process: Record<string, number>;
  top: Record<string, number>;
}

/** The main run: the burst's figures, and those of the other legs. */
export interface SystemRunResult extends BurstFigures {
  create_to_host_ms: Percentiles;
  host_ready_to_virtual_ready_ms: Percentiles;
  admission_ms: Percentiles;
  admission_source: string;
  /** The handler timed on the webhook's Fastify tracing channel during the steady load (a cross-check). */
  admission_channel_ms: Percentiles;
  worker_rss_mb: { at_1k: number | null; at_10k: number | null };
  redis_bytes_per_job: number;
  /** Redis used_memory growth since the start over every pod synced in the run (the watch's state included). */
  redis_bytes_per_synced_pod: { pods: number; bytes_per_pod: number };
  host_watch_redis: { pods: number; bytes_per_pod: number; snapshot_json_bytes: number; stashed_events: number; bytes_per_stashed_event: number } | null;
  /** settled_first: how long the queues took to empty of the earlier phases' jobs before this one began. */
  steady: { rate: number; rate_source: string; seconds: number; pods: number; duration_s: number; settled_first: Settled } | null;
  max_steady_rate: { sustained_pods_per_s: number; rule: string; steps: RateStep[] } | null;
  deployment: { replicas: number; host_created_s: number; virtual_ready_s: number } | null;
  host_change: { crash_status_ms: LatencyFigures; host_delete_ms: LatencyFigures; api_calls_per_pod: { virtual: number; host: number } } | null;
}

const NS = 'default';
const round = (v: number, d = 2) => Number(v.toFixed(d));

/** GET over HTTPS without verifying the (self-signed, loopback) certificate: the webhook's public /metrics. */
function getInsecure(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

export interface BenchStack {
  stack: LocalStack;
  fleet: WorkerFleet;
  /** Every podferry process: the workers, the host watch, the webhook, the node proxy. */
  parts: PodferryProcess[];
  webhook: PodferryProcess;
  virtual: PodTracker;
  host: PodTracker;
  creator: PodCreator;
  redisPid: number;
  scrapeApis(): Promise<{ virtual: RequestCounts; host: RequestCounts }>;
  cpu(): Record<keyof Omit<CpuPerPod, 'podferry'>, number>;
  close(): Promise<void>;
}

export async function startBenchStack(o: BenchStackOptions & { concurrency: number }): Promise<BenchStack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'podferry-bench-'));
  const closers: Array<() => Promise<unknown> | void> = [() => rm(stateDir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of closers.reverse()) await Promise.resolve().then(fn).catch(() => undefined);
  };
  try {
    const stack = await startLocalStack({
      stateDir, ephemeralPorts: true, log: pino({ level: 'silent' }), persist: false,
      inProcessWorkers: false, inProcessHostWatch: false, inProcessWebhook: false, inProcessNodeProxy: false,
      kubeletStepMs: o.kubeletStepMs, hostNodes: o.hostNodes, concurrency: o.workerConcurrency, hostQps: o.hostQps,
      resyncIntervalSeconds: 3600, ...(o.startupCoalesceMs !== undefined ? { startupCoalesceMs: o.startupCoalesceMs } : {}), ...(o.serviceAccountTokens ? { serviceAccountTokens: o.serviceAccountTokens } : {}),
      startHost: (opts: StartClusterOptions) => startHostProcess(opts, o.faults),
    });
    closers.push(() => stack.close());
    const parts: PodferryProcess[] = [];
    closers.push(() => Promise.all(parts.map((p) => p.stop())));
    const [webhook, nodeProxy, hostWatch] = await Promise.all([
      startPodferryProcess('webhook', stack.webhookEnv),
      startPodferryProcess('node-proxy', { ...stack.workerEnv, ...stack.nodeProxy.env }),
      startPodferryProcess('host-watch', stack.workerEnv),
    ]);
    parts.push(webhook, nodeProxy, hostWatch);
    const fleet = await startWorkerFleet(o.workers, stack.workerEnv);
    parts.push(...fleet.processes);
    const info = new Redis(stack.endpoints.redis.url);
    const redisPid = Number(/process_id:(\d+)/.exec(await info.info('server'))?.[1]);
    info.disconnect();
    const virtual = await trackPods(stack.virtual.kubeconfig, NS, undefined, ['c-']);
    closers.push(() => virtual.stop());
    const host = await trackPods(stack.host.kubeconfig, stack.endpoints.hostNamespace, undefined, ['c-']);
    closers.push(() => host.stop());
    const creator = podCreator(stack.virtual.kubeconfig, o.concurrency);
    closers.push(() => creator.close());
    return {
      stack, fleet, parts, webhook, virtual, host, creator, redisPid,
      scrapeApis: async () => ({
        virtual: parseRequestCounts(await fetchApiMetrics(stack.virtual.kubeconfig)),
        host: parseRequestCounts(await fetchApiMetrics(stack.host.kubeconfig)),
      }),
      cpu: () => {
        const own = process.cpuUsage();
        return {
          workers: fleet.cpuMs(), webhook: webhook.cpuMs(), host_watch: hostWatch.cpuMs(), node_proxy: nodeProxy.cpuMs(),
          redis: cpuMsOf(redisPid), host_process: hostCpuMs(stack.host) ?? Number.NaN, stack: (own.user + own.system) / 1000,
        };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Sends the burst and waits for both sides; fails at once when a create failed rather than at the timeout. */
async function burstAndWait(b: BenchStack, names: string[], concurrency: number, prefix: string, timeoutMs: number): Promise<{ t0: number; hostCreated: number; virtualReady: number; hostCreatesPerSecond: number[] }> {
  const t0 = performance.now();
  const sending = b.creator.burst(NS, names, concurrency).then(() => {
    if (b.creator.failures.length > 0) throw new Error(`virtual creates failed: ${b.creator.failures.join('; ')}`);
    return new Promise<never>(() => {});
  });
  const hostCreated = await Promise.race([b.host.waitFor('seen', prefix, names.length, timeoutMs), sending]);
  const virtualReady = await Promise.race([b.virtual.waitFor('ready', prefix, names.length, timeoutMs), sending]);
  const hostSeen = names.map((n) => b.host.pods.get(hostPodName(n, NS, b.stack.endpoints.cluster))?.seenAt ?? Number.NaN);
  return { t0, hostCreated, virtualReady, hostCreatesPerSecond: countPerSecond(hostSeen, t0) };
}

function sumProbes(reports: ProbeReport[], commands: (r: ProbeReport) => Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reports) for (const [k, v] of Object.entries(commands(r))) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

export interface BurstFigures {
  host_created_s: number;
  /** Host pods first seen in each second of the burst: where a slow start or a stall shows. */
  host_creates_per_s: number[];
  virtual_ready_s: number;
  api_calls_per_pod: { virtual: number; host: number };
  /** Virtual calls per pod without the host events copied to the virtual pods (one POST each). */
  virtual_calls_per_pod_without_events: number;
  api_calls_breakdown: { virtual: Record<string, number>; host: Record<string, number> };
  cpu_ms_per_pod: CpuPerPod;
  /** Redis commands per burst pod from INFO commandstats: every command, those run inside scripts included. */
  redis_commands_per_pod: number;
  redis_commands_top: Record<string, number>;
  redis_client: RedisClientFigures;
  jobs_per_pod: Record<string, number>;
  jobs_per_pod_by_queue: Record<string, number>;
  /** 429s the harness's own creates got. */
  harness_throttled: number;
  /** 429s the host API answered to podferry (its calls, the harness's own left out). */
  host_429s: number;
}

/** The burst on a started stack: P pods, and what each part spent on them. */
export async function runBurst(b: BenchStack, o: { pods: number; concurrency: number; timeoutMs: number; quiet: boolean; label: string }): Promise<BurstFigures> {
  const before = await b.scrapeApis();
  const watchesBefore = { virtual: b.virtual.watchRequests, host: b.host.watchRequests };
  const progress = startProgress(o.label, o.pods, () => ({ done: b.virtual.ready('b-'), detail: `host created ${b.host.seen('b-')}` }), o.quiet);
  const scrapeJobs = async () => {
    const texts = await b.fleet.scrape();
    return { outcome: sumCounterBy(texts, 'podferry_jobs_completed_total', 'outcome'), queue: sumCounterBy(texts, 'podferry_jobs_completed_total', 'queue') };
  };
  const jobsBefore = await scrapeJobs();
  const redisInfo = new Redis(b.stack.endpoints.redis.url);
  const commandsBefore = parseCommandStats(await redisInfo.info('commandstats'));
  await Promise.all(b.parts.map((p) => p.resetProbe()));
  const cpuBefore = b.cpu();
  const postsBefore = b.creator.posts;
  const throttledBefore = b.creator.throttled;
  const names = Array.from({ length: o.pods }, (_, i) => `b-${i}`);
  let times: Awaited<ReturnType<typeof burstAndWait>>;
  try {
    times = await burstAndWait(b, names, o.concurrency, 'b-', o.timeoutMs);
  } finally {
    progress.stop();
  }
  await new Promise((r) => setTimeout(r, 1500)); // let the last status reports, events and audit batches land
  const cpuAfter = b.cpu();
  const probes = await Promise.all(b.parts.map((p) => p.probe()));
  const jobsAfter = await scrapeJobs();
  const commands = diffCounts(commandsBefore, parseCommandStats(await redisInfo.info('commandstats')));
  commands.delete('info');
  redisInfo.disconnect();
  const after = await b.scrapeApis();
  const own = {
    virtual: new Map([['POST pods', b.creator.posts - postsBefore], ['WATCH pods', b.virtual.watchRequests - watchesBefore.virtual + 1]]),
    host: new Map([['WATCH pods', b.host.watchRequests - watchesBefore.host + 1]]),
  };
  const calls = {
    virtual: withoutOwnCalls(diffCounts(before.virtual, after.virtual), own.virtual),
    host: withoutOwnCalls(diffCounts(before.host, after.host), own.host),
  };
  const perPod = (v: number) => round(v / o.pods);
  const cpu = Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, perPod(v - cpuBefore[k as keyof typeof cpuBefore])])) as Omit<CpuPerPod, 'podferry'>;
  const clientCommands = sumProbes(probes, (r) => r.redisCommands);
  const byProcess: Record<string, number> = {};
  for (const [i, r] of probes.entries()) {
    const name = b.parts[i].command;
    byProcess[name] = round((byProcess[name] ?? 0) + totalCalls(new Map(Object.entries(r.redisCommands))) / o.pods);
  }
  const virtualBreakdown = byVerbResource(calls.virtual);
  return {
    host_created_s: round((times.hostCreated - times.t0) / 1000),
    host_creates_per_s: times.hostCreatesPerSecond,
    virtual_ready_s: round((times.virtualReady - times.t0) / 1000),
    api_calls_per_pod: { virtual: perPod(totalCalls(calls.virtual)), host: perPod(totalCalls(calls.host)) },
    virtual_calls_per_pod_without_events: perPod(totalCalls(calls.virtual) - (virtualBreakdown['POST events'] ?? 0) - (virtualBreakdown['PUT events'] ?? 0) - (virtualBreakdown['GET events'] ?? 0)),
    api_calls_breakdown: { virtual: virtualBreakdown, host: byVerbResource(calls.host) },
    cpu_ms_per_pod: { ...cpu, podferry: round(cpu.workers + cpu.webhook + cpu.host_watch + cpu.node_proxy + cpu.redis) },
    redis_commands_per_pod: perPod(totalCalls(commands)),
    redis_commands_top: Object.fromEntries([...commands].sort((x, y) => y[1] - x[1]).slice(0, 8).map(([k, v]) => [k, perPod(v)])),
    redis_client: {
      commands_per_pod: perPod(totalCalls(clientCommands)),
      round_trips_per_pod: perPod(probes.reduce((n, r) => n + r.redisRoundTrips, 0)),
      by_process: byProcess,
      top: Object.fromEntries([...clientCommands].sort((x, y) => y[1] - x[1]).slice(0, 10).map(([k, v]) => [k, perPod(v)])),
    },
    jobs_per_pod: Object.fromEntries([...diffCounts(jobsBefore.outcome, jobsAfter.outcome)].map(([k, v]) => [k, perPod(v)])),
    jobs_per_pod_by_queue: Object.fromEntries([...diffCounts(jobsBefore.queue, jobsAfter.queue)].map(([k, v]) => [k, perPod(v)])),
    harness_throttled: b.creator.throttled - throttledBefore,
    host_429s: [...calls.host].reduce((n, [k, v]) => n + (k.endsWith(' 429') ? v : 0), 0),
  };
}

/**
 * Workers draining a full sync queue: the sync queue is paused, P virtual pods are created (admission and
 * audit queue their syncs), then the queue is resumed and the time until all P host pods exist is taken.
 * What feeds the queue (virtual creates, admission) is left out, so the figure is the workers' own rate.
 */
export async function runDrain(b: BenchStack, o: { pods: number; concurrency: number; timeoutMs: number; quiet: boolean; label: string }): Promise<{ host_created_s: number; virtual_ready_s: number; pods_per_s: number }> {
  const queue = new Queue(QUEUE_NAMES.sync, { connection: { url: b.stack.endpoints.redis.url }, prefix: b.stack.endpoints.queuePrefix });
  try {
    await queue.pause();
    const names = Array.from({ length: o.pods }, (_, i) => `d-${i}`);
    await b.creator.burst(NS, names, o.concurrency);
    if (b.creator.failures.length > 0) throw new Error(`virtual creates failed: ${b.creator.failures.join('; ')}`);
    await b.virtual.waitFor('seen', 'd-', o.pods, o.timeoutMs);
    await new Promise((r) => setTimeout(r, 1500)); // the audit batches land too (deduplicated into the same jobs)
    const progress = startProgress(o.label, o.pods, () => ({ done: b.host.seen('d-'), detail: `virtual Ready ${b.virtual.ready('d-')}` }), o.quiet);
    const t0 = performance.now();
    await queue.resume();
    try {
      const hostCreated = await b.host.waitFor('seen', 'd-', o.pods, o.timeoutMs);
      const virtualReady = await b.virtual.waitFor('ready', 'd-', o.pods, o.timeoutMs);
      const s = (hostCreated - t0) / 1000;
      return { host_created_s: round(s), virtual_ready_s: round((virtualReady - t0) / 1000), pods_per_s: round(o.pods / s, 1) };
    } finally {
      progress.stop();
    }
  } finally {
    await queue.close();
  }
}

/** Sends `names` at `rate` per second and waits for them; per pod create-to-host and Ready-to-Ready. */
async function steadyLoad(b: BenchStack, names: string[], rate: number, timeoutMs: number, prefix: string, progress: Progress | undefined) {
  const s0 = performance.now();
  await b.creator.steady(NS, names, rate);
  const sentAt = performance.now();
  const done = await b.virtual.waitFor('ready', prefix, names.length, timeoutMs).finally(() => progress?.stop());
  const createToHost: number[] = [];
  const readyToReady: number[] = [];
  const createToReady: number[] = [];
  for (const name of names) {
    const v = b.virtual.pods.get(name);
    const h = b.host.pods.get(hostPodName(name, NS, b.stack.endpoints.cluster));
    if (v?.seenAt !== undefined && h?.seenAt !== undefined) createToHost.push(h.seenAt - v.seenAt);
    if (v?.readyAt !== undefined && h?.readyAt !== undefined) readyToReady.push(v.readyAt - h.readyAt);
    if (v?.readyAt !== undefined && v.seenAt !== undefined) createToReady.push(v.readyAt - v.seenAt);
  }
  return { s0, sentAt, done, createToHost, readyToReady, createToReady };
}

/**
 * The highest steady rate this machine sustains now: each rate of `steps` for `seconds`, lowest first, until
 * one is not sustained (steady-rate.ts says when a step is). Pods are named `m<rate>-<i>`.
 */
async function findMaxRate(b: BenchStack, steps: number[], seconds: number, kubeletMs: number, quiet: boolean, settleFirst: () => Promise<Settled>): Promise<{ sustained_pods_per_s: number; rule: string; steps: RateStep[] }> {
  const out: RateStep[] = [];
  let best = 0;
  let rule = '';
  for (const rate of steps) {
    await settleFirst(); // the tail of the last phase or step must not be this step's backlog
    const prefix = `m${rate}-`;
    const names = Array.from({ length: Math.round(rate * seconds) }, (_, i) => `${prefix}${i}`);
    const progress = startProgress(`rate ${rate}/s`, names.length, () => ({ done: b.virtual.ready(prefix), detail: `host created ${b.host.seen(prefix)}` }), quiet);
    const r = await steadyLoad(b, names, rate, 60_000, prefix, progress).catch(() => undefined);
    const step = judgeStep({ rate, pods: names.length, seconds, kubeletMs, createToReadyMs: r?.createToReady ?? [], drainMs: r ? r.done - r.sentAt : Number.POSITIVE_INFINITY });
    rule = step.rule;
    out.push(step.step);
    if (!step.step.sustained) break;
    best = rate;
  }
  return { sustained_pods_per_s: best, rule, steps: out };
}

/** The rate the latencies are measured at: the one asked for, else half the highest sustained, at most 100/s. */
export function steadyRateFor(asked: number | 'auto', maxSustained: number | undefined, lowestStep: number): { rate: number; source: string } {
  if (asked !== 'auto') return { rate: asked, source: '--rate' };
  if (maxSustained === undefined) return { rate: 100, source: 'auto: no rate search, 100/s' };
  if (maxSustained === 0) return { rate: Math.max(1, Math.floor(lowestStep / 2)), source: `auto: no step was sustained, half the lowest (${lowestStep}/s)` };
  return { rate: Math.min(100, Math.floor(maxSustained / 2)), source: `auto: half the highest sustained rate (${maxSustained}/s), at most 100/s` };
}

export async function runSystem(o: SystemRunOptions): Promise<SystemRunResult> {
  const b = await startBenchStack(o);
  const counter = queueCounter(b.stack.endpoints.redis.url, b.stack.endpoints.queuePrefix);
  try {
    const { stack } = b;
    const memoryStart = await (async () => {
      const r = new Redis(stack.endpoints.redis.url);
      try { return await usedMemory(r); } finally { r.disconnect(); }
    })();
    const redisPerJob = await redisBytesPerJob(stack.endpoints.redis.url, stack.endpoints.queuePrefix);
    // RSS when the synced (virtual Ready) count first crosses 1,000 and 10,000.
    const rss = { at_1k: null as number | null, at_10k: null as number | null };
    const synced = () => b.virtual.readyTotal();
    let lastSynced = 0;
    const sampler = setInterval(() => {
      const n = (lastSynced = synced());
      if (rss.at_1k === null && n >= 1000) rss.at_1k = round(Math.max(...b.fleet.rssMb()), 1);
      if (rss.at_10k === null && n >= 10_000) rss.at_10k = round(Math.max(...b.fleet.rssMb()), 1);
    }, 250);

    const burst = await runBurst(b, { pods: o.pods, concurrency: o.concurrency, timeoutMs: o.timeoutMs, quiet: o.quiet, label: `burst x${o.workers}` });
    const watchMemory = await hostWatchBytesPerPod(stack.endpoints.redis.url, hostWatchKeys(stack.endpoints.queuePrefix, stack.endpoints.cluster));

    const settleFirst = () => settle(counter, { timeoutMs: 60_000 });
    const maxRate = o.rateSteps.length > 0 ? await findMaxRate(b, o.rateSteps, o.rateStepSeconds, 4 * o.kubeletStepMs, o.quiet, settleFirst) : null;

    // Steady, at a rate below what the machine sustains.
    let steady: SystemRunResult['steady'] = null;
    let createToHost: number[] = [];
    let readyToReady: number[] = [];
    let channel: number[] = [];
    if (o.steadySeconds > 0) {
      const { rate, source } = steadyRateFor(o.steadyRate, maxRate?.sustained_pods_per_s, o.rateSteps[0] ?? 25);
      const names = Array.from({ length: Math.round(rate * o.steadySeconds) }, (_, i) => `s-${i}`);
      const settled = await settleFirst();
      await b.webhook.resetProbe();
      const progress = startProgress(`steady ${rate}/s`, names.length, () => ({ done: b.virtual.ready('s-'), detail: `host created ${b.host.seen('s-')}` }), o.quiet);
      const r = await steadyLoad(b, names, rate, o.timeoutMs, 's-', progress);
      channel = (await b.webhook.probe()).admissionMs;
      createToHost = r.createToHost;
      readyToReady = r.readyToReady;
      steady = { rate, rate_source: source, seconds: o.steadySeconds, pods: names.length, duration_s: round((r.done - r.s0) / 1000), settled_first: settled };
    }
    const summary = parseSummaryQuantiles(await getInsecure(`${stack.endpoints.webhook.url}/metrics`), 'podferry_admission_handler_seconds');

    let deployment: SystemRunResult['deployment'] = null;
    if (o.deploymentReplicas > 0) {
      const progress = startProgress('deployment', o.deploymentReplicas, () => ({ done: b.virtual.ready('dep-'), detail: `host created ${b.host.seen('dep-')}` }), o.quiet);
      const t0 = performance.now();
      try {
        await createDeployment(stack.virtual.kubeconfig, NS, 'dep', o.deploymentReplicas);
        const hostCreated = await b.host.waitFor('seen', 'dep-', o.deploymentReplicas, o.timeoutMs);
        const virtualReady = await b.virtual.waitFor('ready', 'dep-', o.deploymentReplicas, o.timeoutMs);
        deployment = { replicas: o.deploymentReplicas, host_created_s: round((hostCreated - t0) / 1000), virtual_ready_s: round((virtualReady - t0) / 1000) };
      } finally {
        progress.stop();
      }
    }

    // More pods until rssPods are synced in all, for the RSS-at-10k figure.
    const extra = Math.max(0, o.rssPods - synced());
    if (extra > 0) {
      const progress = startProgress('to 10k synced', extra, () => ({ done: b.virtual.ready('r-'), detail: `synced ${lastSynced}` }), o.quiet);
      try {
        await b.creator.burst(NS, Array.from({ length: extra }, (_, i) => `r-${i}`), o.concurrency);
        await b.virtual.waitFor('ready', 'r-', extra, o.timeoutMs);
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        progress.stop();
      }
    }
    clearInterval(sampler);
    const syncedPods = synced();
    const memoryEnd = await (async () => {
      const r = new Redis(stack.endpoints.redis.url);
      try { return await usedMemory(r); } finally { r.disconnect(); }
    })();
    const hostChange = o.changePods > 0 ? await hostChangeLeg(b, o) : null;

    const channelP = percentiles(channel, 3);
    const ms = (q: number) => Number(((summary.get(q) ?? Number.NaN) * 1000).toFixed(3));
    return {
      ...burst,
      create_to_host_ms: percentiles(createToHost),
      host_ready_to_virtual_ready_ms: percentiles(readyToReady),
      ...(summary.size > 0
        ? { admission_ms: { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99) }, admission_source: 'webhook Summary podferry_admission_handler_seconds (last 10 minutes: burst, rate search, steady)' }
        : { admission_ms: channelP, admission_source: 'Fastify tracing channel in the webhook process (no podferry_admission_handler_seconds)' }),
      admission_channel_ms: channelP,
      worker_rss_mb: rss,
      redis_bytes_per_job: Math.round(redisPerJob),
      redis_bytes_per_synced_pod: { pods: syncedPods, bytes_per_pod: syncedPods ? Math.round((memoryEnd - memoryStart) / syncedPods) : Number.NaN },
      host_watch_redis: watchMemory,
      steady,
      max_steady_rate: maxRate,
      deployment,
      host_change: hostChange,
    };
  } finally {
    counter.close();
    await b.close();
  }
}

/** Host-side changes after Ready: crash loops and deletes on the host, measured until the virtual side shows them. */
async function hostChangeLeg(b: BenchStack, o: SystemRunOptions) {
  const { stack, virtual, host, creator } = b;
  const { cluster, hostNamespace } = stack.endpoints;
  const n = o.changePods;
  const hostName = (name: string) => hostPodName(name, NS, cluster);
  const apisBefore = await b.scrapeApis();
  const watches = { virtual: virtual.watchRequests, host: host.watchRequests };
  const crashNames = Array.from({ length: n }, (_, i) => `c-${i}`);
  const deleteNames = Array.from({ length: Math.min(n, o.pods) }, (_, i) => `b-${i}`);
  const posts = creator.posts;
  const progress = startProgress('host changes', n, () => ({ done: crashNames.filter((c) => (host.pods.get(hostName(c))?.history?.size ?? 0) >= 6).length, detail: 'crash loops on the host' }), o.quiet);
  await creator.burst(NS, crashNames, o.concurrency, undefined, crashPod);
  const hostDeletes = await deleteOnHost(stack.host.kubeconfig, hostNamespace, cluster, NS, deleteNames);
  // A few restarts and back-offs on the host (bounded: a status that never shows is counted, not waited for).
  await waitUpTo(30_000, () => crashNames.every((c) => (host.pods.get(hostName(c))?.history?.size ?? 0) >= 6));
  await waitUpTo(10_000, () => deleteNames.every((d) => virtual.pods.get(d)?.deletingAt !== undefined));
  await new Promise((r) => setTimeout(r, 3000)); // the virtual side gets a moment to show the last host states
  progress.stop();
  const apisAfter = await b.scrapeApis();
  const ownV = new Map([['POST pods', creator.posts - posts], ['WATCH pods', virtual.watchRequests - watches.virtual + 1]]);
  const ownH = new Map([['DELETE pods', hostDeletes], ['WATCH pods', host.watchRequests - watches.host + 1]]);
  const changed = crashNames.length + deleteNames.length;
  return {
    crash_status_ms: statusChangeLatencies(virtual, host, crashNames, hostName),
    host_delete_ms: deleteLatencies(virtual, host, deleteNames, hostName),
    api_calls_per_pod: {
      virtual: round(totalCalls(withoutOwnCalls(diffCounts(apisBefore.virtual, apisAfter.virtual), ownV)) / changed),
      host: round(totalCalls(withoutOwnCalls(diffCounts(apisBefore.host, apisAfter.host), ownH)) / changed),
    },
  };
}
