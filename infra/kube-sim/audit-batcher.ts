// The buffered audit backend (k8s.io/apiserver plugin/pkg/audit/buffered) in front of the webhook
// backend's retry (plugin/pkg/audit/webhook): a bounded buffer that drops the newest events when full,
// batches cut at max size or after max wait, a token bucket on batches, concurrent sends, and per batch
// up to 5 attempts with backoff ×1.5 and 20 % jitter before the batch is dropped.

export interface BatcherOptions<E> {
  maxSize: number;
  maxWaitMs: number;
  bufferSize: number;
  initialBackoffMs: number;
  send(events: E[]): Promise<void>;
  throttleQps?: number; // default 10 batches/s
  throttleBurst?: number; // default 15
  random?: () => number;
  onError?(err: unknown, events: E[]): void;
}

export interface BatcherStats { sent: number; dropped: number; failedBatches: number }

export interface Batcher<E> {
  /** False when the event was dropped (buffer full or closed). */
  add(event: E): boolean;
  /** Sends what is buffered and waits for every batch in flight, retries included. */
  close(): Promise<void>;
  stats(): BatcherStats;
}

export const RETRY_ATTEMPTS = 5;

/** The waits between attempts: initial, ×1.5 each time, each plus up to 20 % jitter (wait.Backoff). */
export function backoffDelays(initialMs: number, random: () => number = Math.random): number[] {
  return Array.from({ length: RETRY_ATTEMPTS - 1 }, (_, i) => {
    const base = initialMs * 1.5 ** i;
    return base + random() * 0.2 * base;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createBatcher<E>(opts: BatcherOptions<E>): Batcher<E> {
  const qps = opts.throttleQps ?? 10;
  const burst = opts.throttleBurst ?? 15;
  const stats: BatcherStats = { sent: 0, dropped: 0, failedBatches: 0 };
  const buffer: E[] = [];
  let forming: E[] = [];
  let tokens = burst;
  let lastRefill = Date.now();
  let blocked = false; // a full batch waits for a throttle token; the buffer fills meanwhile
  let closed = false;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  async function deliver(batch: E[]): Promise<void> {
    const delays = backoffDelays(opts.initialBackoffMs, opts.random);
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.send(batch);
        stats.sent += batch.length;
        return;
      } catch (err) {
        if (attempt >= delays.length) {
          stats.failedBatches += 1;
          stats.dropped += batch.length;
          opts.onError?.(err, batch);
          return;
        }
        await sleep(delays[attempt]);
      }
    }
  }

  function takeToken(): number {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - lastRefill) / 1000) * qps);
    lastRefill = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return ((1 - tokens) / qps) * 1000;
  }

  function launch(batch: E[]) {
    const p = deliver(batch).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  function dispatch() {
    if (forming.length === 0) return;
    const batch = forming;
    forming = [];
    const wait = takeToken();
    if (wait === 0) {
      launch(batch);
      pump();
      return;
    }
    blocked = true;
    const p = (async () => {
      for (let w = wait; w > 0; w = takeToken()) await sleep(w);
      blocked = false;
      launch(batch);
      pump();
    })().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  // The collector: moves buffered events into the forming batch, cutting it when full.
  function pump() {
    while (!blocked) {
      while (forming.length < opts.maxSize && buffer.length) forming.push(buffer.shift() as E);
      if (forming.length < opts.maxSize) break;
      dispatch();
      armTimer();
    }
    if (closed && !blocked && (forming.length || buffer.length)) dispatch();
  }

  // max wait runs from the start of each collection cycle, as the buffered backend resets its timer.
  function armTimer() {
    if (timer) clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(() => {
      if (!blocked) {
        pump();
        dispatch();
      }
      armTimer();
    }, opts.maxWaitMs);
    timer.unref?.();
  }
  armTimer();

  return {
    add(event) {
      if (closed || buffer.length >= opts.bufferSize) {
        // "audit backend shut down" / "audit buffer queue blocked": the event is lost.
        stats.dropped += 1;
        return false;
      }
      buffer.push(event);
      pump();
      return true;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      pump();
      while (inFlight.size || forming.length || buffer.length) {
        if (!blocked && (forming.length || buffer.length)) pump();
        await Promise.allSettled([...inFlight]);
      }
    },
    stats: () => ({ ...stats }),
  };
}
