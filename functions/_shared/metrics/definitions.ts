// Every podferry metric, named and described in one place, so a dashboard or the benchmark can find a name
// here instead of in the code that observes it. Names follow Prometheus conventions: a podferry_ prefix,
// base units (seconds), _total for counters. Labels have closed value sets (routes, codes, queues, reasons),
// never a pod name: one series per pod would grow without bound.
import { Counter, Gauge, Histogram, Summary, type CollectFunction, type Registry } from 'prom-client';

/** Latency buckets (seconds) for HTTP requests answered in-process: admission answers in well under 1 ms. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Latency buckets (seconds) for sync steps, which cross two API servers, a queue and a kubelet. */
const SYNC_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300];

export const ADMISSION_HANDLER_PERCENTILES = [0.5, 0.95, 0.99];

export function defineWebhookMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requestDuration: new Histogram({
      name: 'podferry_webhook_request_duration_seconds',
      help: 'Webhook HTTP requests, from the first byte read to the reply sent, by route and status code.',
      labelNames: ['route', 'code'] as const,
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    admissionHandler: new Summary({
      name: 'podferry_admission_handler_seconds',
      help: 'Time inside the admission handler (validated body to serialized reply, no network), over the last 5 to 10 minutes.',
      percentiles: ADMISSION_HANDLER_PERCENTILES,
      // Each age bucket is one more t-digest insert per observation: two keep a sliding window at half the
      // cost of prom-client's usual five.
      maxAgeSeconds: 600,
      ageBuckets: 2,
      registers,
    }),
    admissionReviews: new Counter({ name: 'podferry_webhook_admission_reviews_total', help: 'AdmissionReviews answered, by decision.', labelNames: ['decision'] as const, registers }),
    enqueueFailures: new Counter({
      name: 'podferry_webhook_enqueue_failures_total',
      help: 'Pod references whose sync enqueue failed (Redis down or slow), by source; audit and resync repair them later.',
      labelNames: ['source'] as const,
      registers,
    }),
    enqueued: new Counter({ name: 'podferry_webhook_enqueued_total', help: 'Pod references enqueued for sync, by source.', labelNames: ['source'] as const, registers }),
    auditEvents: new Counter({ name: 'podferry_webhook_audit_events_total', help: 'Audit events received.', registers }),
    auditRefs: new Counter({ name: 'podferry_webhook_audit_refs_total', help: 'Pod references taken from audit events.', registers }),
    lastEnqueueFailure: new Gauge({
      name: 'podferry_webhook_last_enqueue_failure_seconds',
      help: 'When the last enqueue failed (unix seconds); absent until one fails.',
      registers,
    }),
  };
}

export type WebhookMetricSet = ReturnType<typeof defineWebhookMetrics>;

export interface WorkerCollectors {
  /** Fills podferry_queue_jobs on each scrape. */
  queueDepth: CollectFunction<Gauge<'queue' | 'state'>>;
  /** Fills podferry_kube_api_calls_total on each scrape. */
  apiCalls: CollectFunction<Counter<'side' | 'verb' | 'code'>>;
}

export function defineWorkerMetrics(registry: Registry, collectors: WorkerCollectors) {
  const registers = [registry];
  return {
    jobsCompleted: new Counter({
      name: 'podferry_jobs_completed_total',
      help: 'Jobs completed, by queue and outcome (the plan carried out, or how status tracking ended).',
      labelNames: ['queue', 'outcome'] as const,
      registers,
    }),
    jobsFailed: new Counter({
      name: 'podferry_jobs_failed_total',
      help: 'Job attempts failed, by queue, failure class (transient: retried; permanent: not) and reason (the Kubernetes reason or network error code).',
      labelNames: ['queue', 'class', 'reason'] as const,
      registers,
    }),
    virtualCreatedToHostCreated: new Histogram({
      name: 'podferry_virtual_created_to_host_created_seconds',
      help: 'From the virtual pod\'s creationTimestamp to the worker creating its host pod. creationTimestamp has second precision, so each value is up to 1 s longer than the true latency.',
      buckets: SYNC_BUCKETS,
      registers,
    }),
    hostReadyToVirtualReady: new Histogram({
      name: 'podferry_host_ready_to_virtual_ready_seconds',
      help: 'From the host pod\'s Ready condition lastTransitionTime to the worker patching the virtual pod\'s status with Ready. lastTransitionTime has second precision, so each value is up to 1 s longer than the true latency.',
      buckets: SYNC_BUCKETS,
      registers,
    }),
    queueJobs: new Gauge({
      name: 'podferry_queue_jobs',
      help: 'Jobs in each queue by state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'] as const,
      collect: collectors.queueDepth,
      registers,
    }),
    kubeApiCalls: new Counter({
      name: 'podferry_kube_api_calls_total',
      help: 'Kubernetes API calls made by the workers, by side (virtual or host), verb and HTTP code (0: network failure).',
      labelNames: ['side', 'verb', 'code'] as const,
      collect: collectors.apiCalls,
      registers,
    }),
    hostWritesRefused: new Counter({
      name: 'podferry_host_writes_refused_total',
      help: 'Host writes the worker refused, by cause (policy: the pod breaks the host policy; conflict: the host name belongs to another object) and rule (the policy rule, or "ownership").',
      labelNames: ['cause', 'rule'] as const,
      registers,
    }),
    resyncDrift: new Counter({
      name: 'podferry_resync_drift_total',
      help: 'Differences resync found and enqueued, by kind: missing_on_host, orphan_on_host, status_drift, deleting.',
      labelNames: ['kind'] as const,
      registers,
    }),
  };
}

export type WorkerMetricSet = ReturnType<typeof defineWorkerMetrics>;
