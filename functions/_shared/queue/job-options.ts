// Default options for podferry jobs. Jobs are level-triggered and idempotent, so retrying is always safe;
// retention is short because a job holds only a reference and the dashboard needs recent history only.
import type { JobsOptions } from 'bullmq';

/** The backoff type every worker resolves with cappedBackoffMs (BullMQ custom backoff strategy). */
export const CAPPED_BACKOFF = 'podferry-capped';
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 10_000;

export const DEFAULT_JOB_OPTIONS = Object.freeze({
  attempts: 10,
  // 1 s, 2 s, 4 s, 8 s, then every 10 s: a host API that recovers is used again within 10 s (an uncapped
  // doubling left one pod waiting 32 s after a 20 % error storm ended), about 80 s in all.
  backoff: { type: CAPPED_BACKOFF, delay: BACKOFF_BASE_MS },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
}) satisfies JobsOptions;

/**
 * Delay before retry `attemptsMade` (1-based): doubling from the base, capped, with up to 50 % jitter taken
 * off so a burst of failures does not retry in lockstep. `random` is injected for tests.
 */
export function cappedBackoffMs(attemptsMade: number, random: () => number = Math.random): number {
  const raw = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(raw * (1 - 0.5 * random()));
}
