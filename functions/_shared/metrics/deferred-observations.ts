// Observations taken on a hot path (every admission request) cost two array pushes there; prom-client's
// own observe (label hashing, a t-digest insert for a Summary: microseconds each) runs later, at scrape
// time or once many have piled up, in slices that yield to the event loop between them, so neither the
// request nor a scrape blocks other requests for long.
export interface DeferredOptions {
  /** Observations applied per event-loop turn while draining. */
  sliceSize: number;
  /** Pending observations that start a drain without waiting for a scrape (nobody may be scraping). */
  highWater: number;
}

// 200 t-digest inserts take about a millisecond: the longest a drain holds the event loop at once.
const DEFAULTS: DeferredOptions = { sliceSize: 200, highWater: 10_000 };

export class DeferredObservations {
  private keys: string[] = [];
  private values: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private autoDrainQueued = false;
  private readonly opts: DeferredOptions;

  /** `apply` receives each observation later, in the order they were added. */
  constructor(private readonly apply: (key: string, value: number) => void, opts: Partial<DeferredOptions> = {}) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  get pending(): number {
    return this.keys.length;
  }

  add(key: string, value: number): void {
    this.keys.push(key);
    this.values.push(value);
    if (this.keys.length >= this.opts.highWater && !this.autoDrainQueued) {
      this.autoDrainQueued = true;
      void this.drain().finally(() => { this.autoDrainQueued = false; });
    }
  }

  /** Applies everything added before this call; resolves when done (drains run one after another). */
  drain(): Promise<void> {
    const run = this.chain.then(() => this.applyPending());
    this.chain = run.catch(() => undefined); // one failed drain must not stop every later one
    return run;
  }

  private async applyPending(): Promise<void> {
    const keys = this.keys;
    const values = this.values;
    if (keys.length === 0) return;
    this.keys = [];
    this.values = [];
    for (let i = 0; i < keys.length; i++) {
      this.apply(keys[i], values[i]);
      if ((i + 1) % this.opts.sliceSize === 0 && i + 1 < keys.length) await new Promise<void>((r) => setImmediate(r));
    }
  }
}
