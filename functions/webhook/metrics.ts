// Counters the webhook keeps in memory and serves as Prometheus text. Enqueue failures matter most:
// admission never waits for Redis, so a failure there is visible only here and in the logs, and is
// repaired later by audit and resync.

const HELP = {
  admission_reviews_total: 'AdmissionReviews answered, by decision.',
  enqueue_failures_total: 'Pod references whose sync enqueue failed (Redis down or slow), by source.',
  enqueued_total: 'Pod references enqueued for sync, by source.',
  audit_events_total: 'Audit events received.',
  audit_refs_total: 'Pod references taken from audit events.',
} as const;

export type CounterName = keyof typeof HELP;

export class WebhookMetrics {
  private readonly counters = new Map<string, number>();
  private lastFailureAt: number | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counts a failed enqueue and remembers when, for the last-failure gauge. */
  enqueueFailed(source: 'admission' | 'audit', refs = 1): void {
    this.inc('enqueue_failures_total', { source }, refs);
    this.lastFailureAt = this.clock();
  }

  get lastEnqueueFailureAt(): number | undefined {
    return this.lastFailureAt;
  }

  inc(name: CounterName, labels: Record<string, string> = {}, by = 1): void {
    const key = `${name}${formatLabels(labels)}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  get(name: CounterName, labels: Record<string, string> = {}): number {
    return this.counters.get(`${name}${formatLabels(labels)}`) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const name of Object.keys(HELP) as CounterName[]) {
      lines.push(`# HELP podferry_webhook_${name} ${HELP[name]}`, `# TYPE podferry_webhook_${name} counter`);
      for (const [key, value] of this.counters) {
        if (key === name || key.startsWith(`${name}{`)) lines.push(`podferry_webhook_${key} ${value}`);
      }
    }
    if (this.lastFailureAt !== undefined) {
      lines.push(
        '# HELP podferry_webhook_last_enqueue_failure_seconds When the last enqueue failed (unix seconds).',
        '# TYPE podferry_webhook_last_enqueue_failure_seconds gauge',
        `podferry_webhook_last_enqueue_failure_seconds ${this.lastFailureAt / 1000}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${labels[k].replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}
