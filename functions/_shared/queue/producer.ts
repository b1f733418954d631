// The producer side of the sync queue as the webhook needs it: enqueue without ever waiting on a Redis
// that is not there. ioredis without an offline queue rejects at once while disconnected, but BullMQ
// first awaits its own initialisation, which never settles if Redis was down at start; so every call
// checks the connection state itself and fails immediately when it is not ready.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ObjectRef } from '../core/job-refs.js';
import { createRedisConnection } from './connection.js';
import { enqueueSync, enqueueSyncBulk } from './enqueue-sync.js';
import { DEFAULT_JOB_OPTIONS } from './job-options.js';
import { QUEUE_NAMES, type SyncReason } from './names.js';

export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor(detail: string) {
    super(`redis is unavailable: ${detail}`);
    this.name = 'RedisUnavailableError';
  }
}

export interface SyncProducer {
  enqueue(ref: ObjectRef, reason: SyncReason): Promise<string>;
  enqueueMany(refs: readonly ObjectRef[], reason: SyncReason): Promise<string[]>;
  /** True when Redis answers PING within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface SyncProducerOptions {
  redisUrl: string;
  prefix: string;
  /** Upper bound for one enqueue round trip while Redis is connected but slow. */
  timeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function createSyncQueue(connection: Redis, prefix: string): Queue {
  const queue = new Queue(QUEUE_NAMES.sync, {
    connection,
    prefix,
    defaultJobOptions: { ...DEFAULT_JOB_OPTIONS },
    streams: { events: { maxLen: 10_000 } },
  });
  queue.on('error', () => {});
  return queue;
}

/** ioredis reports a dropped connection a moment before its status changes; name that for callers. */
const CONNECTION_ERROR = /writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|MaxRetriesPerRequest/i;

function asUnavailable(err: unknown): never {
  if (err instanceof RedisUnavailableError) throw err;
  if (err instanceof Error && CONNECTION_ERROR.test(err.message)) throw new RedisUnavailableError(err.message);
  throw err;
}

export function createSyncProducer(opts: SyncProducerOptions): SyncProducer {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const connection = createRedisConnection(opts.redisUrl, 'producer');
  const queue = createSyncQueue(connection, opts.prefix);
  const ready = (what: string) => {
    if (connection.status !== 'ready') throw new RedisUnavailableError(`${what}: connection is ${connection.status}`);
  };
  return {
    async enqueue(ref, reason) {
      ready('enqueue');
      return withTimeout(enqueueSync(queue, ref, reason), timeoutMs, 'enqueue').catch(asUnavailable);
    },
    async enqueueMany(refs, reason) {
      ready('enqueue');
      return withTimeout(enqueueSyncBulk(queue, refs, reason), timeoutMs, 'enqueue').catch(asUnavailable);
    },
    async ping(pingTimeoutMs = 500) {
      if (connection.status !== 'ready') return false;
      try {
        return (await withTimeout(connection.ping(), pingTimeoutMs, 'ping')) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await queue.close().catch(() => {});
      connection.disconnect();
    },
  };
}
