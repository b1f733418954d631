// Default options for podferry jobs. Jobs are level-triggered and idempotent, so retrying is always safe;
// retention is short because a job holds only a reference and the dashboard needs recent history only.
import type { JobsOptions } from 'bullmq';

export const DEFAULT_JOB_OPTIONS = Object.freeze({
  attempts: 8,
  // 1 s, 2 s, 4 s ... about 2 min in total, jittered so a burst of failures does not retry in lockstep.
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
}) satisfies JobsOptions;
