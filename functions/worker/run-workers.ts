// The worker runtime: BullMQ workers for sync, status and resync on one Redis, the shared host rate limit,
// the resync schedule, and a graceful close that stops taking work and finishes what is in flight.
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseObjectRef } from '../_shared/core/job-refs.js';
import { DEFAULT_POD_POLICY, type PodPolicy } from '../_shared/core/policy.js';
import type { TranslateContext } from '../_shared/core/translate-pod.js';
import type { NodeProxyEndpoint } from '../_shared/core/virtual-node.js';
import { createKubeSide, type ApiCallCounts } from '../_shared/kube/kube-side.js';
import { createRedisConnection } from '../_shared/queue/connection.js';
import { parseStatusJobData } from '../_shared/queue/enqueue-status.js';
import { createHostRateLimit } from '../_shared/queue/host-rate-limit.js';
import { createDependencyWaits } from '../_shared/queue/dependency-waits.js';
import { createHostPodStateReader } from '../_shared/queue/host-pod-state.js';
import { hostWatchKeys } from '../_shared/queue/host-watch-keys.js';
import { createJobLogWriter } from '../_shared/queue/job-log.js';
import { cappedBackoffMs, DEFAULT_JOB_OPTIONS } from '../_shared/queue/job-options.js';
import { createNamespaceLabelsCache } from '../_shared/queue/namespace-labels.js';
import { createSharedMarks } from '../_shared/queue/shared-marks.js';
import { QUEUE_NAMES } from '../_shared/queue/names.js';
import { withJobErrors } from './job-errors.js';
import { processClaim } from './processors/claim.js';
import { processDependency } from './processors/dependency.js';
import { processEvent } from './processors/event.js';
import { processNamespace } from './processors/namespace.js';
import { processResync } from './processors/resync.js';
import { processService } from './processors/service.js';
import { processStatus } from './processors/status.js';
import { processSync } from './processors/sync.js';
import { processTokenRefresh } from './service-account-tokens.js';
import { createResyncSchedule } from './resync-schedule.js';
import type { WorkerDeps } from './worker-deps.js';
import { WorkerMetrics, type WithWorkerMetrics } from './worker-metrics.js';

export interface WorkerRuntimeOptions {
  cluster: string;
  redisUrl: string;
  queuePrefix: string;
  virtualKubeconfig: string;
  hostKubeconfig?: string; // absent: in-cluster
  hostNamespace: string;
  translate: TranslateContext;
  /** The host policy (POD_SECURITY, POD_POLICY, CSI_DRIVERS); default baseline without exceptions. */
  policy?: PodPolicy;
  concurrency: number;
  hostQps: number;
  resyncIntervalSeconds: number;
  log: Logger;
  counts?: ApiCallCounts;
  /** Stall detection (ms): how soon a job of a killed worker runs again. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  statusPoll?: WorkerDeps['statusPoll'];
  /** STATUS_STARTUP_COALESCE_MS, over statusPoll's (default: DEFAULT_STATUS_POLL's). */
  startupCoalesceMs?: number;
  now?: () => Date;
  /** The node proxy the virtual nodes advertise. */
  nodeProxy?: NodeProxyEndpoint;
  /** SERVICE_ACCOUNT_TOKEN_REFRESH_FRACTION. */
  tokenRefreshFraction?: number;
}

export interface WorkerRuntime {
  deps: WorkerDeps;
  /** Prometheus metrics of this runtime (serve them with startMetricsServer). */
  metrics: WorkerMetrics;
  /** Stops taking jobs, waits for the active ones, closes connections. */
  close(): Promise<void>;
}

export const DEFAULT_STATUS_POLL: WorkerDeps['statusPoll'] = { firstMs: 150, factor: 2, fastMaxMs: 1000, fastPhaseMs: 30_000, maxMs: 5000, giveUpAfterMs: 10 * 60_000, startupCoalesceMs: 1000 };

export async function startWorkers(opts: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const connection = createRedisConnection(opts.redisUrl, 'worker');
  const queueOpts = { connection, prefix: opts.queuePrefix, defaultJobOptions: { ...DEFAULT_JOB_OPTIONS }, streams: { events: { maxLen: 10_000 } } };
  const queues = {
    sync: new Queue(QUEUE_NAMES.sync, queueOpts),
    status: new Queue(QUEUE_NAMES.status, queueOpts),
    resync: new Queue(QUEUE_NAMES.resync, queueOpts),
    event: new Queue(QUEUE_NAMES.event, queueOpts),
  };
  for (const q of Object.values(queues)) q.on('error', (err) => opts.log.warn({ err: err.message, queue: q.name }, 'queue error'));

  const metrics = new WorkerMetrics(opts.counts ? { apiCalls: opts.counts } : {});
  metrics.trackQueues(Object.values(queues));
  const limit = createHostRateLimit(connection, { key: `${opts.queuePrefix}:host-rate-limit:${opts.cluster}`, qps: opts.hostQps });
  const deps: WorkerDeps & WithWorkerMetrics = {
    cluster: opts.cluster,
    hostNamespace: opts.hostNamespace,
    translate: opts.translate,
    policy: opts.policy ?? DEFAULT_POD_POLICY,
    virtual: createKubeSide({ name: 'virtual', kubeconfigPath: opts.virtualKubeconfig, counts: metrics.apiCalls, maxSockets: opts.concurrency * 2 }),
    host: createKubeSide({ name: 'host', kubeconfigPath: opts.hostKubeconfig, counts: metrics.apiCalls, gate: limit.take, maxSockets: opts.concurrency * 2 }),
    queues: { sync: queues.sync, status: queues.status },
    log: opts.log,
    now: opts.now ?? (() => new Date()),
    statusPoll: { ...(opts.statusPoll ?? DEFAULT_STATUS_POLL), ...(opts.startupCoalesceMs !== undefined ? { startupCoalesceMs: opts.startupCoalesceMs } : {}) },
    knownVirtualNodes: new Set(),
    ...(opts.nodeProxy ? { nodeProxy: opts.nodeProxy } : {}),
    hostState: createHostPodStateReader(connection as Redis, hostWatchKeys(opts.queuePrefix, opts.cluster)),
    dependencyWaits: createDependencyWaits(connection as Redis, opts.queuePrefix, opts.cluster),
    ...(opts.tokenRefreshFraction !== undefined ? { tokenRefreshFraction: opts.tokenRefreshFraction } : {}),
    jobLog: createJobLogWriter(connection as Redis),
    namespaceLabels: createNamespaceLabelsCache(connection as Redis, opts.queuePrefix, opts.cluster),
    sharedMarks: createSharedMarks(connection as Redis, opts.queuePrefix, opts.cluster),
    metrics,
  };

  const workerOpts = {
    connection,
    prefix: opts.queuePrefix,
    concurrency: opts.concurrency,
    lockDuration: opts.lockDurationMs ?? 10_000,
    stalledInterval: opts.stalledIntervalMs ?? 5_000,
    // Jobs are idempotent: a job whose worker died may safely run again, more than once.
    maxStalledCount: 5,
    settings: { backoffStrategy: (attemptsMade: number) => cappedBackoffMs(attemptsMade) },
  };
  const logged = <T>(kind: string, run: (job: Job, token?: string) => Promise<T>) => async (job: Job, token?: string) => {
    const log = opts.log.child({ job: job.id, name: job.name });
    const started = Date.now();
    const result = await run(job, token);
    log.debug({ kind, result, ms: Date.now() - started }, 'job done');
    return result;
  };
  const workers = [
    new Worker(QUEUE_NAMES.sync, logged('sync', (job) => withJobErrors(safeRef(job.data), deps, limit, () => syncByKind(job, deps))), workerOpts),
    new Worker(QUEUE_NAMES.status, logged('status', (job, token) => withJobErrors(parseStatusJobData(job.data).ref, deps, limit, () => processStatus(job, token, deps))), workerOpts),
    new Worker(QUEUE_NAMES.resync, logged('resync', (job) => withJobErrors(undefined, deps, limit, () => processResync(job, deps))), { ...workerOpts, concurrency: 1 }),
    // Events tell the story; status and sync are the story: under load they get the worker first.
    new Worker(QUEUE_NAMES.event, logged('event', (job) => withJobErrors(undefined, deps, limit, () => processEvent(job, deps))), { ...workerOpts, concurrency: Math.max(1, Math.floor(opts.concurrency / 4)) }),
  ];
  for (const w of workers) {
    w.on('error', (err) => opts.log.warn({ err: err.message, queue: w.name }, 'worker error'));
    w.on('completed', (_job, result) => metrics.jobCompleted(w.name, result));
    w.on('failed', (_job, err) => metrics.jobFailed(w.name, err));
    w.on('failed', (job, err) => opts.log.warn({ job: job?.id, name: job?.name, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  }

  // Resync on a schedule and once now: at start is exactly when events may have been missed. The
  // schedule is re-created whenever Redis comes back without it (resync-schedule.ts).
  const schedule = createResyncSchedule({ queue: queues.resync, connection: connection as Redis, cluster: opts.cluster, intervalSeconds: opts.resyncIntervalSeconds, log: opts.log });
  await schedule.start();

  return {
    deps,
    metrics,
    async close() {
      schedule.stop();
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(Object.values(queues).map((q) => q.close()));
      deps.virtual.close();
      deps.host.close();
      await closeRedis(connection as Redis);
    },
  };
}

/** The sync queue carries one job per object: pods, the objects they depend on, Services, claims and namespaces. */
function syncByKind(job: Job, deps: WorkerDeps): Promise<unknown> {
  switch (safeRef(job.data)?.kind) {
    case 'ConfigMap':
    case 'Secret':
      return processDependency(job, deps);
    case 'Service':
      return processService(job, deps);
    case 'PersistentVolumeClaim':
      return processClaim(job, deps);
    case 'Namespace':
      return processNamespace(job, deps);
    case 'ServiceAccountToken':
      return processTokenRefresh(job, deps);
    default:
      return processSync(job, deps);
  }
}

function safeRef(data: unknown) {
  try {
    return parseObjectRef(data);
  } catch {
    return undefined;
  }
}

async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
