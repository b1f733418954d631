// Admission enqueues, coalesced. The route only records the pod (a Map insert); a flush a few
// milliseconds later sends everything recorded meanwhile as one addBulk. This keeps BullMQ's per-add work
// and its Redis round trip off the request path entirely, and under a burst turns N adds into one.
// Failures are counted, not retried: audit and resync will bring the pods anyway.
import type { ObjectRef } from '../_shared/core/job-refs.js';
import { syncDedupId } from '../_shared/queue/enqueue-sync.js';
import type { SyncProducer } from '../_shared/queue/producer.js';
import type { WebhookMetrics } from './metrics.js';

/**
 * How long admitted pods are collected before one addBulk. Far below anything a user notices (the pod is
 * not even committed yet when admission runs), and enough to turn a burst into a few round trips.
 */
export const FLUSH_WINDOW_MS = 5;

/** Bigger batches are sent in slices, one per event-loop turn, so no single turn blocks requests long. */
export const MAX_BATCH = 25;

export interface BatchFailure {
  refs: number;
  error: Error;
}

export class AdmissionBatcher {
  private readonly pending = new Map<string, ObjectRef>();
  private scheduled = false;
  private readonly flushes = new Set<Promise<void>>();

  constructor(
    private readonly producer: SyncProducer,
    private readonly metrics: WebhookMetrics,
    private readonly onFailure: (f: BatchFailure) => void,
  ) {}

  add(ref: ObjectRef): void {
    const key = syncDedupId(ref);
    const uid = ref.uid ?? this.pending.get(key)?.uid;
    this.pending.set(key, uid ? { ...ref, uid } : ref);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), FLUSH_WINDOW_MS);
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const refs: ObjectRef[] = [];
    for (const [key, ref] of this.pending) {
      this.pending.delete(key);
      refs.push(ref);
      if (refs.length >= MAX_BATCH) break;
    }
    if (this.pending.size > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const p = this.producer.enqueueMany(refs, 'admission').then(
      () => this.metrics.inc('enqueued_total', { source: 'admission' }, refs.length),
      (error: Error) => {
        this.metrics.enqueueFailed('admission', refs.length);
        this.onFailure({ refs: refs.length, error });
      },
    );
    this.flushes.add(p);
    void p.finally(() => this.flushes.delete(p));
  }

  /** Sends what is pending and waits for every flush, at most `timeoutMs` (used on close). */
  async settle(timeoutMs: number): Promise<void> {
    while (this.pending.size > 0) this.flush();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.flushes]),
      new Promise((r) => { timer = setTimeout(r, timeoutMs); }),
    ]);
    clearTimeout(timer);
  }
}
