// The faults of `npm run chaos`, each a timeline run against the live stack while the fault window is
// open. A fault returns what it did (counts) once the window has closed and it has undone itself, so the
// clock for convergence starts only after the last fault is over.
import type { LocalStack } from '../functions/start/local-stack.js';
import type { RedisHandle } from '../test/helpers/redis.js';
import type { WorkerPool } from './worker-pool.js';
import { hostChanges } from './host-changes.js';

export const FAULT_NAMES = ['worker-kill', 'redis-restart', 'host-errors', 'webhook-restart', 'audit-drop', 'host-changes'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultContext {
  stack: LocalStack;
  redis: RedisHandle;
  workers: WorkerPool;
  /** True while the fault window is open. */
  open(): boolean;
  /** Fraction of the burst created so far (0..1). */
  burstProgress(): number;
  /** Jobs in Redis that are not finished (waiting, active, delayed, prioritized) in every queue. */
  unfinishedJobs(): Promise<number>;
  log(line: string): void;
}

export type FaultReport = Record<string, number | string>;
type Fault = (ctx: FaultContext) => Promise<FaultReport>;

export const WORKER_KILL_EVERY_MS = 2_000;
export const REDIS_DOWN_AT_MS = 2_000;
export const REDIS_DOWN_FOR_MS = 2_000;
/** 5xx on a fifth of host requests, and a rate limit that answers 429 beyond it, as an overloaded API server. */
export const HOST_FAULTS = { errorRate: 0.2, rateLimitQps: 400, rateLimitBurst: 400 } as const;
export const WEBHOOK_RESTART_EVERY_MS = 4_000;
export const WEBHOOK_DOWN_MS = 500;
/** Longer than the audit sender's whole retry budget (250 ms x1.5^n, 5 attempts, ~2.4 s), so batches drop. */
export const AUDIT_OUTAGE_AT_MS = 1_000;
export const AUDIT_OUTAGE_FOR_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sleeps up to `ms`, waking early when the window closes; false when it closed first. */
async function whileOpen(ctx: FaultContext, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!ctx.open()) return false;
    await sleep(Math.min(100, until - Date.now()));
  }
  return ctx.open();
}

const FAULTS: Record<FaultName, Fault> = {
  async 'worker-kill'(ctx) {
    let kills = 0;
    while (await whileOpen(ctx, WORKER_KILL_EVERY_MS)) {
      await ctx.workers.killAndReplace(kills % ctx.workers.size());
      kills++;
    }
    return { worker_kills: kills };
  },
  async 'redis-restart'(ctx) {
    // Mid-burst: half the pods are in, the queues are full of their jobs, and those jobs go with Redis.
    await whileOpen(ctx, REDIS_DOWN_AT_MS);
    while (ctx.open() && ctx.burstProgress() < 0.5) await sleep(100);
    const lost = await ctx.unfinishedJobs();
    ctx.log(`redis: killed with ${lost} unfinished jobs`);
    await ctx.redis.goDown();
    await sleep(REDIS_DOWN_FOR_MS);
    await ctx.redis.comeBack();
    ctx.log('redis: back, empty');
    return { redis_restarts: 1, redis_down_ms: REDIS_DOWN_FOR_MS, jobs_lost_with_redis: lost };
  },
  async 'host-errors'(ctx) {
    const before = hostCodes(ctx.stack.host.metricsText());
    ctx.stack.host.setFaults({ ...HOST_FAULTS });
    while (await whileOpen(ctx, 1_000));
    ctx.stack.host.setFaults({});
    const after = hostCodes(ctx.stack.host.metricsText());
    const total = after.total - before.total;
    const failed = after.failed - before.failed;
    return { host_requests: total, host_5xx_429: failed, host_error_share: total ? Number((failed / total).toFixed(3)) : 0 };
  },
  async 'webhook-restart'(ctx) {
    let restarts = 0;
    while (await whileOpen(ctx, restarts === 0 ? 1_000 : WEBHOOK_RESTART_EVERY_MS)) {
      await ctx.stack.restartWebhook(WEBHOOK_DOWN_MS);
      restarts++;
    }
    return { webhook_restarts: restarts };
  },
  async 'audit-drop'(ctx) {
    await whileOpen(ctx, AUDIT_OUTAGE_AT_MS);
    ctx.stack.setAuditOutage(true);
    await sleep(AUDIT_OUTAGE_FOR_MS);
    ctx.stack.setAuditOutage(false);
    return { audit_outage_ms: AUDIT_OUTAGE_FOR_MS };
  },
  'host-changes': (ctx) => hostChanges(ctx),
};

export function runFault(name: FaultName, ctx: FaultContext): Promise<FaultReport> {
  return FAULTS[name](ctx);
}

/** Sums apiserver_request_total: all requests, and those answered 5xx or 429. */
export function hostCodes(metrics: string): { total: number; failed: number } {
  let total = 0;
  let failed = 0;
  for (const line of metrics.split('\n')) {
    const m = /^apiserver_request_total\{([^}]*)\}\s+(\d+(?:\.\d+)?)/.exec(line);
    if (!m) continue;
    const n = Number(m[2]);
    const code = /code="(\d+)"/.exec(m[1])?.[1] ?? '';
    total += n;
    if (code.startsWith('5') || code === '429') failed += n;
  }
  return { total, failed };
}
