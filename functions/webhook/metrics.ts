// The webhook's metrics on prom-client: request latency by route and code, the admission handler's own
// time as a Summary (p50/p95/p99, what the benchmark reads), and counters. Enqueue failures matter most:
// admission never waits for Redis, so a failure there is visible only here and in the logs, and is
// repaired later by audit and resync. Counters are mirrored in a plain Map so tests and callers can read a
// value synchronously (prom-client's reads are async).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { DeferredObservations } from '../_shared/metrics/deferred-observations.js';
import { defineWebhookMetrics, type WebhookMetricSet } from '../_shared/metrics/definitions.js';
import { createComponentRegistry, renderMetrics } from '../_shared/metrics/registry.js';

const HELP = {
  admission_reviews_total: 'AdmissionReviews answered, by decision.',
  enqueue_failures_total: 'Pod references whose sync enqueue failed (Redis down or slow), by source.',
  enqueued_total: 'Pod references enqueued for sync, by source.',
  audit_events_total: 'Audit events received.',
  audit_refs_total: 'Pod references taken from audit events.',
} as const;

export type CounterName = keyof typeof HELP;

export class WebhookMetrics {
  readonly registry = createComponentRegistry();
  private readonly set: WebhookMetricSet = defineWebhookMetrics(this.registry);
  private readonly counters = new Map<string, number>();
  private lastFailureAt: number | undefined;
  // Timings are taken on every request: deferred, so a request pays an array push, not a t-digest insert.
  private readonly requestTimes = new DeferredObservations((key, seconds) => {
    const space = key.indexOf(' ');
    this.set.requestDuration.observe({ code: key.slice(0, space), route: key.slice(space + 1) }, seconds);
  });
  private readonly handlerTimes = new DeferredObservations((_key, seconds) => this.set.admissionHandler.observe(seconds));

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counts a failed enqueue and remembers when, for the last-failure gauge. */
  enqueueFailed(source: 'admission' | 'audit', refs = 1): void {
    this.inc('enqueue_failures_total', { source }, refs);
    this.lastFailureAt = this.clock();
    this.set.lastEnqueueFailure.set(this.lastFailureAt / 1000);
  }

  get lastEnqueueFailureAt(): number | undefined {
    return this.lastFailureAt;
  }

  inc(name: CounterName, labels: Record<string, string> = {}, by = 1): void {
    const key = `${name}${formatLabels(labels)}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
    const counter = this.counterFor(name);
    if (Object.keys(labels).length > 0) counter.inc(labels, by);
    else counter.inc(by);
  }

  get(name: CounterName, labels: Record<string, string> = {}): number {
    return this.counters.get(`${name}${formatLabels(labels)}`) ?? 0;
  }

  /** One finished HTTP request. `route` is the route pattern (never the raw URL: unbounded labels). */
  observeRequest(route: string, code: number, seconds: number): void {
    this.requestTimes.add(`${code} ${route}`, seconds);
  }

  observeAdmissionHandler(seconds: number): void {
    this.handlerTimes.add('', seconds);
  }

  /** Everything /metrics serves: the webhook's metrics and the process metrics, as Prometheus text. */
  async scrape(): Promise<string> {
    await Promise.all([this.requestTimes.drain(), this.handlerTimes.drain()]);
    return renderMetrics(this.registry);
  }

  /** The counters alone, synchronously (what tests and a debugger want; /metrics serves scrape()). */
  render(): string {
    const lines: string[] = [];
    for (const name of Object.keys(HELP) as CounterName[]) {
      lines.push(`# HELP podferry_webhook_${name} ${HELP[name]}`, `# TYPE podferry_webhook_${name} counter`);
      for (const [key, value] of this.counters) {
        if (key === name || key.startsWith(`${name}{`)) lines.push(`podferry_webhook_${key} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  private counterFor(name: CounterName): Counter<string> {
    switch (name) {
      case 'admission_reviews_total': return this.set.admissionReviews;
      case 'enqueue_failures_total': return this.set.enqueueFailures;
      case 'enqueued_total': return this.set.enqueued;
      case 'audit_events_total': return this.set.auditEvents;
      case 'audit_refs_total': return this.set.auditRefs;
    }
  }
}

const HANDLER_START = Symbol('podferry.handlerStart');
type TimedRequest = FastifyRequest & { [HANDLER_START]?: bigint };

/**
 * Request timing hooks. Every request: its whole time (Fastify's reply.elapsedTime, from onRequest) by
 * route and code. Admission also: the handler's own time, from preHandler (body parsed and validated) to
 * onSend (reply serialized), which is what podferry adds to the API server's request.
 */
export function installRequestTiming(app: FastifyInstance, metrics: WebhookMetrics, admissionUrl = '/admission'): void {
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.routeOptions.url === admissionUrl) (request as TimedRequest)[HANDLER_START] = process.hrtime.bigint();
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    const started = (request as TimedRequest)[HANDLER_START];
    if (started !== undefined) metrics.observeAdmissionHandler(Number(process.hrtime.bigint() - started) / 1e9);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${labels[k].replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}
