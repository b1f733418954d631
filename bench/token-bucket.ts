// A token bucket as client-go's flowcontrol.NewTokenBucketRateLimiter (rest.Config QPS and Burst): each
// call reserves one token and learns how long to wait for it, in arrival order. Pure, with the clock given.
export interface TokenBucket {
  /** Takes one token; the milliseconds to wait before using it (0: at once). */
  reserve(): number;
}

export function createTokenBucket(qps: number, burst: number, now: () => number = () => performance.now()): TokenBucket {
  let tokens = burst;
  let last = now();
  return {
    reserve() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * qps) / 1000) - 1;
      last = t;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / qps);
    },
  };
}
