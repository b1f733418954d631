// The workers' metrics: job outcomes, the two sync latencies users feel, queue depth, Kubernetes API calls
// and what resync found. Processors observe through the small functions at the bottom, which take the
// worker deps and do nothing when the deps carry no metrics (tests that build deps by hand).
import { UnrecoverableError, type Queue } from 'bullmq';
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { createApiCallCounts, type ApiCallCounts } from '../_shared/kube/kube-side.js';
import { classifyKubeError } from '../_shared/kube/kube-errors.js';
import { defineWorkerMetrics, type WorkerMetricSet } from '../_shared/metrics/definitions.js';
import { createComponentRegistry, renderMetrics } from '../_shared/metrics/registry.js';

export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const;

/** A scrape must not hang on a slow Redis: queue depth is skipped after this long. */
const QUEUE_COUNT_TIMEOUT_MS = 1000;

export interface ResyncDrift {
  missingOnHost: number;
  orphansOnHost: number;
  statusDrift: number;
  deleting: number;
}

export class WorkerMetrics {
  readonly registry = createComponentRegistry();
  /** The per-call counts createKubeSide keeps; turned into podferry_kube_api_calls_total on scrape. */
  readonly apiCalls: ApiCallCounts;
  private readonly set: WorkerMetricSet;
  private readonly queues: Queue[] = [];

  constructor(opts: { apiCalls?: ApiCallCounts } = {}) {
    this.apiCalls = opts.apiCalls ?? createApiCallCounts();
    const metrics = this;
    this.set = defineWorkerMetrics(this.registry, {
      async queueDepth() {
        this.reset();
        await Promise.all(metrics.queues.map(async (queue) => {
          const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), QUEUE_COUNT_TIMEOUT_MS).catch(() => undefined);
          for (const state of QUEUE_STATES) if (counts) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }));
      },
      apiCalls() {
        this.reset();
        for (const [key, n] of metrics.apiCalls.counts) {
          const [side, verb, code] = key.split(' ');
          this.inc({ side, verb, code }, n);
        }
      },
    });
  }

  /** Queues whose depth each scrape reports. */
  trackQueues(queues: Queue[]): void {
    this.queues.push(...queues);
  }

  jobCompleted(queue: string, result: unknown): void {
    this.set.jobsCompleted.inc({ queue, outcome: outcomeLabel(result) });
  }

  jobFailed(queue: string, err: Error | undefined): void {
    this.set.jobsFailed.inc({ queue, ...failureLabels(err) });
  }

  hostPodCreated(virtualPod: V1Pod | undefined, at: Date): void {
    const seconds = secondsSince(virtualPod?.metadata?.creationTimestamp, at);
    if (seconds !== undefined) this.set.virtualCreatedToHostCreated.observe(seconds);
  }

  /** A status patch was written; counts only the one that turned the virtual pod Ready. */
  virtualStatusReported(virtualPodBefore: V1Pod | undefined, reported: V1PodStatus, at: Date): void {
    const seconds = becameReadyAfter(virtualPodBefore?.status, reported, at);
    if (seconds !== undefined) this.set.hostReadyToVirtualReady.observe(seconds);
  }

  /** One refused host write; a policy refusal counts once per rule it broke. */
  hostWriteRefused(cause: 'policy' | 'conflict', rules: readonly string[]): void {
    for (const rule of new Set(rules)) this.set.hostWritesRefused.inc({ cause, rule });
  }

  resyncFound(report: ResyncDrift): void {
    const kinds: Array<[string, number]> = [
      ['missing_on_host', report.missingOnHost],
      ['orphan_on_host', report.orphansOnHost],
      ['status_drift', report.statusDrift],
      ['deleting', report.deleting],
    ];
    // inc(0) too, so every kind has a series from the first resync on (rate() needs a starting point).
    for (const [kind, n] of kinds) this.set.resyncDrift.inc({ kind }, n);
  }

  /** Everything the workers' /metrics serves: these metrics and the process metrics. */
  scrape(): Promise<string> {
    return renderMetrics(this.registry);
  }
}

/** Job outcomes as label values: the plan or status outcome a processor returns (a closed set), else "done". */
export function outcomeLabel(result: unknown): string {
  return typeof result === 'string' && /^[a-z][a-z0-9 ()-]{0,48}$/.test(result) ? result : 'done';
}

/** A Kubernetes reason (CamelCase) or network error code (E...) at the start of a message, as job-errors writes them. */
const REASON_PREFIX = /^([A-Z][A-Za-z0-9_]{1,40})(?: \(\d{3}\))?: /;

/** The failure class (permanent: not retried; transient: retried) and the reason, "permanent"/"transient" when unknown. */
export function failureLabels(err: Error | undefined): { class: 'permanent' | 'transient'; reason: string } {
  const permanent = err instanceof UnrecoverableError || err?.name === 'UnrecoverableError';
  const cls = permanent ? 'permanent' : 'transient';
  if (!permanent && err?.cause !== undefined) return { class: cls, reason: classifyKubeError(err.cause).reason.slice(0, 40) };
  const reason = REASON_PREFIX.exec(err?.message ?? '')?.[1];
  return { class: cls, reason: reason ?? cls };
}

/** Seconds from a Kubernetes timestamp to `at`, never negative (timestamps are truncated to the second). */
export function secondsSince(timestamp: Date | string | undefined, at: Date): number | undefined {
  if (timestamp === undefined) return undefined;
  const ms = (timestamp instanceof Date ? timestamp : new Date(timestamp)).getTime();
  if (!Number.isFinite(ms)) return undefined;
  return Math.max(0, (at.getTime() - ms) / 1000);
}

/** Seconds since the reported Ready condition turned True, when this report is what made the virtual pod Ready. */
export function becameReadyAfter(before: V1PodStatus | undefined, reported: V1PodStatus, at: Date): number | undefined {
  const wasReady = before?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const ready = reported.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (wasReady || !ready) return undefined;
  return secondsSince(ready.lastTransitionTime as Date | string | undefined, at);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); })]).finally(() => clearTimeout(timer));
}

// The hooks processors call. They take the deps structurally, so WorkerDeps (which has no metrics field)
// passes; the runtime's deps carry `metrics`.
export interface WithWorkerMetrics {
  metrics?: WorkerMetrics;
  now: () => Date;
}

export function observeHostPodCreated(deps: WithWorkerMetrics, virtualPod: V1Pod | undefined): void {
  deps.metrics?.hostPodCreated(virtualPod, deps.now());
}

export function observeVirtualStatusReported(deps: WithWorkerMetrics, virtualPodBefore: V1Pod | undefined, reported: V1PodStatus): void {
  deps.metrics?.virtualStatusReported(virtualPodBefore, reported, deps.now());
}

export function observeHostWriteRefused(deps: WithWorkerMetrics, cause: 'policy' | 'conflict', rules: readonly string[]): void {
  deps.metrics?.hostWriteRefused(cause, rules);
}

export function observeResyncDrift(deps: WithWorkerMetrics, report: ResyncDrift): void {
  deps.metrics?.resyncFound(report);
}
