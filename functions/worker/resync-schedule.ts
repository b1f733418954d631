// The resync schedule, kept alive. BullMQ creates a job scheduler only when upsertJobScheduler is called,
// and a Redis that comes back empty (a restart without persistence, a failover to a fresh replica, a
// FLUSHALL) has lost it together with every queued job. Resync is then the only way back to a synced
// state, so the schedule must not depend on a worker restart: it is checked on every reconnect and on a
// timer, recreated when missing, and a resync runs at once, because a lost Redis means lost events.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { enqueueResyncNow } from '../_shared/queue/enqueue-resync.js';

export const RESYNC_SCHEDULER_ID = 'resync';
/** How often the schedule is checked besides on reconnect (a flush without a disconnect shows no event). */
export const SCHEDULE_CHECK_MS = 5_000;

export interface ResyncScheduleOptions {
  queue: Queue;
  connection: Redis;
  cluster: string;
  intervalSeconds: number;
  log: Logger;
  checkEveryMs?: number;
}

export interface ResyncSchedule {
  /** Upserts the scheduler and asks for one resync now (start of a worker). */
  start(): Promise<void>;
  /** Recreates the scheduler if Redis lost it; true when it had to. */
  ensure(): Promise<boolean>;
  stop(): void;
}

export function createResyncSchedule(opts: ResyncScheduleOptions): ResyncSchedule {
  const name = `resync ${opts.cluster}`;
  const data = { cluster: opts.cluster };
  const upsert = () => opts.queue.upsertJobScheduler(RESYNC_SCHEDULER_ID, { every: opts.intervalSeconds * 1000 }, { name, data });
  // Deduplicated: many workers starting or reconnecting at once still ask for one resync.
  const resyncNow = () => enqueueResyncNow(opts.queue, opts.cluster);

  let checking: Promise<boolean> | undefined;
  const check = async (): Promise<boolean> => {
    try {
      if (opts.connection.status !== 'ready') return false;
      if (await opts.queue.getJobScheduler(RESYNC_SCHEDULER_ID)) return false;
      await upsert();
      await resyncNow();
      opts.log.warn({ cluster: opts.cluster }, 'recreated the resync schedule lost with Redis; resync asked for now');
      return true;
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'resync schedule check failed; will retry');
      return false;
    }
  };
  // One check at a time; cleared after it settles (never inside it: a check that returns before its first
  // await would otherwise clear the slot before it is filled, and leave a settled promise there for good).
  const ensure = () => {
    checking ??= check().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  let started = false;
  const onReady = () => {
    if (started) void ensure();
  };
  opts.connection.on('ready', onReady);
  const timer = setInterval(() => void ensure(), opts.checkEveryMs ?? SCHEDULE_CHECK_MS);
  timer.unref();

  return {
    async start() {
      await upsert();
      await resyncNow();
      started = true;
    },
    ensure,
    stop() {
      clearInterval(timer);
      opts.connection.off('ready', onReady);
    },
  };
}
