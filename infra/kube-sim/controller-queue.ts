// The work queue of the simulated kube-controller-manager, as client-go's rate-limited queue behaves: a key
// is queued once however often it is added, never processed by two workers at once (added again while in
// flight, it runs again after), retried with exponential back-off when its sync throws, and re-queued after
// a delay when the sync asks for one (minReadySeconds, progress deadlines, job back-off). Controllers are
// level-triggered: a sync reads the current state and converges, so a lost or coalesced event costs nothing.

/** The workload controllers' floor between two syncs of one object. */
export const SYNC_INTERVAL_MS = 20;

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  /** Stops taking keys; resolves once the syncs in flight have finished. */
  stop(): Promise<void>;
}

export interface QueueOptions {
  workers?: number;
  /** First retry delay after a failed sync; doubles per failure up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Least time between two syncs of one key. A sync reads every object the key owns, so without a floor a
   * busy ReplicaSet of thousands of pods would be re-read on every pod update (quadratic); with one, the
   * updates that arrive meanwhile fold into the next sync.
   */
  minIntervalMs?: number;
  /** Called with the error of a failed sync (the queue retries it). */
  onError?(key: string, err: unknown): void;
}

/** `sync` returns a delay in ms to have the key synced again after it, or nothing. */
export function startQueue(sync: (key: string) => Promise<number | void>, opts: QueueOptions = {}): WorkQueue {
  const workers = opts.workers ?? 2;
  const base = opts.baseBackoffMs ?? 10;
  const max = opts.maxBackoffMs ?? 5000;
  const queued = new Set<string>();
  const inFlight = new Set<string>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  const minInterval = opts.minIntervalMs ?? 0;
  const lastStart = new Map<string, number>();
  let running = 0;
  let stopped = false;
  let pumpScheduled = false;
  const drained: Array<() => void> = [];

  // Keys are added from watch callbacks, which run inside the store's commit: syncs start afterwards, so a
  // sync's own writes never commit in the middle of another commit's delivery.
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    queueMicrotask(() => {
      pumpScheduled = false;
      pump();
    });
  }

  function pump(): void {
    while (!stopped && running < workers && queued.size > 0) {
      const key = queued.values().next().value as string;
      queued.delete(key);
      inFlight.add(key);
      if (minInterval) lastStart.set(key, Date.now());
      running++;
      void runOne(key);
    }
    if (running === 0) for (const done of drained.splice(0)) done();
  }

  async function runOne(key: string): Promise<void> {
    let after: number | void = undefined;
    try {
      after = await sync(key);
      failures.delete(key);
    } catch (err) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      opts.onError?.(key, err);
      after = Math.min(max, base * 2 ** (n - 1));
    } finally {
      inFlight.delete(key);
      running--;
    }
    if (typeof after === 'number' && after >= 0) queue.addAfter(key, after);
    if (dirty.delete(key)) queue.add(key);
    pump();
  }

  const queue: WorkQueue = {
    add(key) {
      if (stopped) return;
      if (inFlight.has(key)) {
        dirty.add(key);
        return;
      }
      const wait = minInterval ? (lastStart.get(key) ?? 0) + minInterval - Date.now() : 0;
      if (wait > 0) return queue.addAfter(key, wait);
      lastStart.delete(key);
      queued.add(key);
      schedulePump();
    },
    addAfter(key, ms) {
      if (stopped) return;
      if (ms <= 0) return queue.add(key);
      // The earliest of several delayed adds wins, as client-go's delaying queue keeps it.
      const at = Date.now() + ms;
      const existing = timers.get(key);
      if (existing && existing.at <= at) return;
      if (existing) clearTimeout(existing.timer);
      const timer = setTimeout(() => {
        timers.delete(key);
        queue.add(key);
      }, ms);
      timer.unref();
      timers.set(key, { timer, at });
    },
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
      queued.clear();
      if (running > 0) await new Promise<void>((resolve) => drained.push(resolve));
    },
  };
  return queue;
}
