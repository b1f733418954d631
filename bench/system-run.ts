// One run of the whole system on loopback: startLocalStack (simulators, Redis, webhook) with workers in
// their own processes, then the burst (P pods at concurrency C), the steady load (R pods/s for T s) and,
// when asked, more pods until N are synced for the RSS figure. Every time comes from the harness's watches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startLocalStack, type LocalStack } from '../functions/start/local-stack.js';
import { hostPodName } from '../functions/_shared/core/names.js';
import type { StartClusterOptions } from '../infra/kube-sim/server.js';
import type { FaultOptions } from '../infra/kube-sim/types.js';
import { fetchApiMetrics } from './api-metrics.js';
import { hostCpuMs, startHostProcess } from './host-process.js';
import { startAdmissionTimer } from './admission-timer.js';
import { podCreator } from './load.js';
import { trackPods, type PodTracker } from './pod-tracker.js';
import { crashPod, deleteLatencies, deleteOnHost, statusChangeLatencies, waitUpTo, type LatencyFigures } from './change-latency.js';
import { startProgress } from './progress.js';
import { hostWatchBytesPerPod, redisBytesPerJob } from './redis-memory.js';
import { hostWatchKeys } from '../functions/_shared/queue/host-watch-keys.js';
import { Redis } from 'ioredis';
import { byVerbResource, parseCommandStats, sumCounterBy, diffCounts, parseRequestCounts, parseSummaryQuantiles, percentiles, totalCalls, withoutOwnCalls, type Percentiles } from './stats.js';
import { startWorkerFleet, type WorkerFleet } from './worker-processes.js';

export interface SystemRunOptions {
  pods: number;
  concurrency: number;
  workers: number;
  workerConcurrency: number;
  hostQps: number;
  faults: FaultOptions;
  kubeletStepMs: number;
  hostNodes: number;
  steadyRate: number;
  steadySeconds: number;
  /** Create more pods until this many are synced in all (0: no RSS-at-10k leg). */
  rssPods: number;
  /** The host-change leg: this many sim-crash pods, and as many burst pods deleted on the host (0: none). */
  changePods: number;
  /** The host simulator in its own process (faults given at its start) instead of in this one. */
  hostProcess: boolean;
  quiet: boolean;
  timeoutMs: number;
}

export interface SystemRunResult {
  host_created_s: number;
  virtual_ready_s: number;
  create_to_host_ms: Percentiles;
  host_ready_to_virtual_ready_ms: Percentiles;
  admission_ms: Percentiles;
  admission_source: string;
  /** The handler timed from the Fastify tracing channel during the steady load (a cross-check). */
  admission_channel_ms: Percentiles;
  api_calls_per_pod: { virtual: number; host: number };
  api_calls_breakdown: { virtual: Record<string, number>; host: Record<string, number> };
  worker_rss_mb: { at_1k: number | null; at_10k: number | null };
  redis_bytes_per_job: number;
  /** What the host watch keeps in Redis per host pod (snapshot, index, applied mark), after the burst; null without a host watch. */
  host_watch_redis: { pods: number; bytes_per_pod: number; snapshot_json_bytes: number; stashed_events: number; bytes_per_stashed_event: number } | null;
  /** CPU spent per burst pod: the worker processes, and this process (both simulators, webhook, harness). */
  cpu_ms_per_pod: { workers: number; stack: number; host_process?: number };
  /** Redis commands per burst pod (webhook and workers together), and the busiest ones. */
  redis_commands_per_pod: number;
  redis_commands_top: Record<string, number>;
  /** Completed jobs per burst pod by outcome (sync plans, status endings), from podferry_jobs_completed_total. */
  jobs_per_pod: Record<string, number>;
  steady: { rate: number; seconds: number; pods: number; duration_s: number };
  /**
   * Host-originated changes, from the harness's watches: each status a crashing host pod shows after Ready
   * (restarts, CrashLoopBackOff) until the virtual pod shows it, and each host pod deleted on the host until
   * the virtual pod is deleting. API calls per changed pod during that leg (the harness's own calls left out).
   */
  host_change: { crash_status_ms: LatencyFigures; host_delete_ms: LatencyFigures; api_calls_per_pod: { virtual: number; host: number } } | null;
}

const NS = 'default';

/** The webhook's own Summary (last 10 minutes: burst and steady) when it has one, else the channel timing. */
function admissionFigures(summary: Map<number, number>, channelSamples: number[]) {
  const channel = percentiles(channelSamples, 3);
  if (summary.size === 0) return { admission_ms: channel, admission_source: 'Fastify tracing channel around the handler (the webhook has no podferry_admission_handler_seconds)', admission_channel_ms: channel };
  const ms = (q: number) => Number(((summary.get(q) ?? Number.NaN) * 1000).toFixed(3));
  return { admission_ms: { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99) }, admission_source: "webhook Summary podferry_admission_handler_seconds (burst and steady)", admission_channel_ms: channel };
}
const round = (v: number, d = 2) => Number(v.toFixed(d));

export async function runSystem(o: SystemRunOptions): Promise<SystemRunResult> {
  const stateDir = await mkdtemp(join(tmpdir(), 'podferry-bench-'));
  let stack: LocalStack | undefined;
  let fleet: WorkerFleet | undefined;
  const trackers: PodTracker[] = [];
  const timer = startAdmissionTimer();
  try {
    stack = await startLocalStack({
      stateDir, ephemeralPorts: true, log: pino({ level: 'silent' }), inProcessWorkers: false,
      kubeletStepMs: o.kubeletStepMs, hostNodes: o.hostNodes, concurrency: o.workerConcurrency, hostQps: o.hostQps,
      resyncIntervalSeconds: 3600,
      ...(o.hostProcess ? { startHost: (opts: StartClusterOptions) => startHostProcess(opts, o.faults) } : {}),
    });
    const { cluster, hostNamespace } = stack.endpoints;
    if (!o.hostProcess) stack.host.setFaults(o.faults);
    const scrapeApis = async () => ({
      virtual: parseRequestCounts(await fetchApiMetrics(stack!.virtual.kubeconfig)),
      host: parseRequestCounts(await fetchApiMetrics(stack!.host.kubeconfig)),
    });
    fleet = await startWorkerFleet(o.workers, stack.workerEnv);
    const redisPerJob = await redisBytesPerJob(stack.endpoints.redis.url, stack.endpoints.queuePrefix);
    const virtual = await trackPods(stack.virtual.kubeconfig, NS, undefined, ['c-']);
    const host = await trackPods(stack.host.kubeconfig, hostNamespace, undefined, ['c-']);
    trackers.push(virtual, host);
    const creator = podCreator(stack.virtual.kubeconfig, o.concurrency);

    // RSS when the synced (virtual Ready) count first crosses 1,000 and 10,000.
    const rss = { at_1k: null as number | null, at_10k: null as number | null };
    const synced = () => virtual.ready('b-') + virtual.ready('s-') + virtual.ready('r-');
    const sampler = setInterval(() => {
      const n = synced();
      if (rss.at_1k === null && n >= 1000) rss.at_1k = round(Math.max(...fleet!.rssMb()), 1);
      if (rss.at_10k === null && n >= 10_000) rss.at_10k = round(Math.max(...fleet!.rssMb()), 1);
    }, 100);

    // Host-side changes after Ready: crash loops and deletes on the host, measured until the virtual side shows them.
    const hostName = (n: string) => hostPodName(n, NS, cluster);
    const hostChangeLeg = async (n: number) => {
      const apisBefore = await scrapeApis();
      const watches = { virtual: virtual.watchRequests, host: host.watchRequests };
      const crashNames = Array.from({ length: n }, (_, i) => `c-${i}`);
      const deleteNames = Array.from({ length: Math.min(n, o.pods) }, (_, i) => `b-${i}`);
      const posts = creator.posts;
      progress = startProgress('host changes', n, () => ({ done: crashNames.filter((c) => (host.pods.get(hostName(c))?.history?.size ?? 0) >= 6).length, detail: 'crash loops on the host' }), o.quiet);
      await creator.burst(NS, crashNames, o.concurrency, undefined, crashPod);
      const hostDeletes = await deleteOnHost(stack!.host.kubeconfig, hostNamespace, cluster, NS, deleteNames);
      // A few restarts and back-offs on the host (bounded: a status that never shows is counted, not waited for).
      await waitUpTo(30_000, () => crashNames.every((c) => (host.pods.get(hostName(c))?.history?.size ?? 0) >= 6));
      await waitUpTo(10_000, () => deleteNames.every((d) => virtual.pods.get(d)?.deletingAt !== undefined));
      await new Promise((r) => setTimeout(r, 3000)); // the virtual side gets a moment to show the last host states
      progress.stop();
      const apisAfter = await scrapeApis();
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
    };

    // Burst.
    const before = await scrapeApis();
    const watchesBefore = { virtual: virtual.watchRequests, host: host.watchRequests };
    let progress = startProgress(`burst x${o.workers}`, o.pods, () => ({ done: virtual.ready('b-'), detail: `host created ${host.seen('b-')}` }), o.quiet);
    const jobsBefore = sumCounterBy(await fleet.scrape(), 'podferry_jobs_completed_total', 'outcome');
    const redisInfo = new Redis(stack.endpoints.redis.url);
    const commandsBefore = parseCommandStats(await redisInfo.info('commandstats'));
    const cpuBefore = { workers: fleet.cpuMs(), stack: process.cpuUsage(), host: hostCpuMs(stack.host) };
    const t0 = performance.now();
    const postsBefore = creator.posts;
    const burstNames = Array.from({ length: o.pods }, (_, i) => `b-${i}`);
    const sending = creator.burst(NS, burstNames, o.concurrency);
    const hostCreated = await host.waitFor('seen', 'b-', o.pods, o.timeoutMs);
    const virtualReady = await virtual.waitFor('ready', 'b-', o.pods, o.timeoutMs);
    await sending;
    progress.stop();
    if (creator.failures.length > 0) throw new Error(`virtual creates failed: ${creator.failures.join('; ')}`);
    await new Promise((r) => setTimeout(r, 1500)); // let the last status reports and audit batches land
    const stackCpu = process.cpuUsage(cpuBefore.stack);
    const jobs = diffCounts(jobsBefore, sumCounterBy(await fleet.scrape(), 'podferry_jobs_completed_total', 'outcome'));
    const commands = diffCounts(commandsBefore, parseCommandStats(await redisInfo.info('commandstats')));
    commands.delete('info');
    redisInfo.disconnect();
    const hostCpu = hostCpuMs(stack.host);
    const watchMemory = stack.hostWatch ? await hostWatchBytesPerPod(stack.endpoints.redis.url, hostWatchKeys(stack.endpoints.queuePrefix, cluster)) : null;
    const cpuPerPod = {
      workers: round((fleet.cpuMs() - cpuBefore.workers) / o.pods),
      stack: round((stackCpu.user + stackCpu.system) / 1000 / o.pods),
      ...(hostCpu !== undefined && cpuBefore.host !== undefined ? { host_process: round((hostCpu - cpuBefore.host) / o.pods) } : {}),
    };
    const after = await scrapeApis();
    const own = {
      virtual: new Map([['POST pods', creator.posts - postsBefore], ['WATCH pods', virtual.watchRequests - watchesBefore.virtual + 1]]),
      host: new Map([['WATCH pods', host.watchRequests - watchesBefore.host + 1]]),
    };
    const calls = {
      virtual: withoutOwnCalls(diffCounts(before.virtual, after.virtual), own.virtual),
      host: withoutOwnCalls(diffCounts(before.host, after.host), own.host),
    };

    // Steady.
    const steadyCount = Math.round(o.steadyRate * o.steadySeconds);
    const steadyNames = Array.from({ length: steadyCount }, (_, i) => `s-${i}`);
    timer.reset();
    progress = startProgress(`steady ${o.steadyRate}/s`, steadyCount, () => ({ done: virtual.ready('s-'), detail: `host created ${host.seen('s-')}` }), o.quiet);
    const s0 = performance.now();
    await creator.steady(NS, steadyNames, o.steadyRate);
    const steadyDone = await virtual.waitFor('ready', 's-', steadyCount, o.timeoutMs);
    progress.stop();
    const admissionSamples = [...timer.samples()];
    const createToHost: number[] = [];
    const readyToReady: number[] = [];
    for (const name of steadyNames) {
      const v = virtual.pods.get(name);
      const h = host.pods.get(hostPodName(name, NS, cluster));
      if (v?.seenAt !== undefined && h?.seenAt !== undefined) createToHost.push(h.seenAt - v.seenAt);
      if (v?.readyAt !== undefined && h?.readyAt !== undefined) readyToReady.push(v.readyAt - h.readyAt);
    }
    const summaryText = (await stack.webhook.inject({ method: 'GET', url: '/metrics' })).body;
    const summary = parseSummaryQuantiles(summaryText, 'podferry_admission_handler_seconds');

    // More pods until rssPods are synced in all, for the RSS-at-10k figure.
    const extra = Math.max(0, o.rssPods - o.pods - steadyCount);
    if (extra > 0) {
      progress = startProgress('to 10k synced', extra, () => ({ done: virtual.ready('r-'), detail: `synced ${synced()}` }), o.quiet);
      await creator.burst(NS, Array.from({ length: extra }, (_, i) => `r-${i}`), o.concurrency);
      await virtual.waitFor('ready', 'r-', extra, o.timeoutMs);
      await new Promise((r) => setTimeout(r, 300));
      progress.stop();
    }
    clearInterval(sampler);
    const hostChange = o.changePods > 0 ? await hostChangeLeg(o.changePods) : null;
    creator.close();

    return {
      host_created_s: round((hostCreated - t0) / 1000),
      virtual_ready_s: round((virtualReady - t0) / 1000),
      create_to_host_ms: percentiles(createToHost),
      host_ready_to_virtual_ready_ms: percentiles(readyToReady),
      ...admissionFigures(summary, admissionSamples),
      api_calls_per_pod: { virtual: round(totalCalls(calls.virtual) / o.pods), host: round(totalCalls(calls.host) / o.pods) },
      api_calls_breakdown: { virtual: byVerbResource(calls.virtual), host: byVerbResource(calls.host) },
      worker_rss_mb: rss,
      redis_bytes_per_job: Math.round(redisPerJob),
      host_watch_redis: watchMemory,
      cpu_ms_per_pod: cpuPerPod,
      jobs_per_pod: Object.fromEntries([...jobs].map(([k, v]) => [k, round(v / o.pods)])),
      redis_commands_per_pod: round(totalCalls(commands) / o.pods),
      redis_commands_top: Object.fromEntries([...commands].sort((x, y) => y[1] - x[1]).slice(0, 8).map(([k, v]) => [k, round(v / o.pods)])),
      steady: { rate: o.steadyRate, seconds: o.steadySeconds, pods: steadyCount, duration_s: round((steadyDone - s0) / 1000) },
      host_change: hostChange,
    };
  } finally {
    timer.stop();
    for (const t of trackers) t.stop();
    await fleet?.stop();
    await stack?.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
