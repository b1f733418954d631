// Injected misbehaviour, changeable while the server runs: latency, random 500/503s, a token-bucket rate
// limit answered 429 like the API priority-and-fairness filter, and watches cut after a while.
import { internalError, KubeError, serviceUnavailable, tooManyRequests } from './errors.js';
import type { FaultOptions } from './types.js';

export interface Faults {
  set(options: FaultOptions): void;
  current(): FaultOptions;
  /** Milliseconds to hold this request before serving it (0 for none). */
  delayMs(): number;
  /** The error to answer instead of serving, or undefined to serve. Consumes a rate-limit token. */
  reject(): KubeError | undefined;
  /** How long a new watch may stay open, or undefined for no limit. */
  watchLifetimeMs(): number | undefined;
}

export function createFaults(initial: FaultOptions = {}, random: () => number = Math.random, nowMs: () => number = Date.now): Faults {
  let options: FaultOptions = {};
  let tokens = 0;
  let lastRefill = 0;

  function set(next: FaultOptions): void {
    options = { ...next };
    tokens = options.rateLimitBurst ?? options.rateLimitQps ?? 0;
    lastRefill = nowMs();
  }
  set(initial);

  return {
    set,
    current: () => ({ ...options }),
    delayMs() {
      const fixed = options.latencyMs ?? 0;
      const jitter = options.jitterMs ? random() * options.jitterMs : 0;
      return fixed + jitter;
    },
    reject() {
      if (options.errorRate && random() < options.errorRate) {
        return random() < 0.5 ? internalError('injected fault') : serviceUnavailable('injected fault: the server is currently unable to handle the request');
      }
      const qps = options.rateLimitQps;
      if (qps && qps > 0) {
        const burst = options.rateLimitBurst ?? qps;
        const now = nowMs();
        tokens = Math.min(burst, tokens + ((now - lastRefill) / 1000) * qps);
        lastRefill = now;
        if (tokens < 1) return tooManyRequests(Math.max(1, Math.ceil((1 - tokens) / qps)));
        tokens -= 1;
      }
      return undefined;
    },
    watchLifetimeMs: () => (options.dropWatchesAfterMs && options.dropWatchesAfterMs > 0 ? options.dropWatchesAfterMs : undefined),
  };
}
