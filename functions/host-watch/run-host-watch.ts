// The host-watch runtime: a candidate for the lease, and while it holds it, the watch of the host
// namespace's managed pods (pod-watch.ts), of their events (event-watch.ts) and of the Services and claims
// podferry made (object-watch.ts), feeding the queues the workers consume. Any number of instances may run; one watches at a time.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createKubeSide, type ApiCallCounts } from '../_shared/kube/kube-side.js';
import { createRedisConnection } from '../_shared/queue/connection.js';
import { createHostPodStateWriter } from '../_shared/queue/host-pod-state.js';
import { createLeaseStore } from '../_shared/queue/host-watch-lease.js';
import { hostWatchKeys } from '../_shared/queue/host-watch-keys.js';
import { DEFAULT_JOB_OPTIONS } from '../_shared/queue/job-options.js';
import { QUEUE_NAMES } from '../_shared/queue/names.js';
import { runEventWatch } from './event-watch.js';
import { runObjectWatch } from './object-watch.js';
import { startLeaderLoop } from './leader.js';
import { createPodWatchStats, runPodWatch, type PodWatchStats } from './pod-watch.js';

export interface HostWatchOptions {
  cluster: string;
  redisUrl: string;
  queuePrefix: string;
  hostKubeconfig?: string; // absent: in-cluster
  hostNamespace: string;
  /** Lease lifetime: a crashed leader is replaced within about this long. */
  leaseSeconds: number;
  /** Workers trust the watch's snapshots while it showed life this recently; after that they poll. */
  staleSeconds: number;
  log: Logger;
  /** Names this instance in the lease (default: host name and a random suffix). */
  instance?: string;
  counts?: ApiCallCounts;
  now?: () => Date;
}

export interface HostWatchRuntime {
  readonly instance: string;
  isLeader(): boolean;
  readonly stats: PodWatchStats;
  /** Steps down (releasing the lease) and closes everything. */
  close(): Promise<void>;
}

export async function startHostWatch(opts: HostWatchOptions): Promise<HostWatchRuntime> {
  const instance = opts.instance ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const log = opts.log.child({ instance });
  const connection = createRedisConnection(opts.redisUrl, 'worker') as Redis;
  const queueOpts = { connection, prefix: opts.queuePrefix, defaultJobOptions: { ...DEFAULT_JOB_OPTIONS }, streams: { events: { maxLen: 10_000 } } };
  const queues = {
    sync: new Queue(QUEUE_NAMES.sync, queueOpts),
    status: new Queue(QUEUE_NAMES.status, queueOpts),
    resync: new Queue(QUEUE_NAMES.resync, queueOpts),
    event: new Queue(QUEUE_NAMES.event, queueOpts),
  };
  for (const q of Object.values(queues)) q.on('error', (err) => log.warn({ err: err.message, queue: q.name }, 'queue error'));
  const host = createKubeSide({ name: 'host', kubeconfigPath: opts.hostKubeconfig, counts: opts.counts, maxSockets: 4 });
  const keys = hostWatchKeys(opts.queuePrefix, opts.cluster);
  const leaseMs = opts.leaseSeconds * 1000;
  const staleMs = opts.staleSeconds * 1000;
  // The server ends each watch well inside the stale time, so even a quiet namespace shows life in time.
  const watchTimeoutSeconds = Math.max(1, Math.floor(opts.staleSeconds / 3));
  const stats = createPodWatchStats();
  const now = opts.now ?? (() => new Date());

  const loop = startLeaderLoop({
    lease: createLeaseStore(connection, keys, instance, leaseMs),
    leaseMs,
    retryMs: Math.max(100, Math.min(1000, leaseMs / 5)),
    log,
    async lead(held, signal) {
      const state = createHostPodStateWriter(connection, keys, () => held.value, staleMs);
      const common = { cluster: opts.cluster, hostNamespace: opts.hostNamespace, host, log, now, watchTimeoutSeconds, idleMs: (watchTimeoutSeconds + 10) * 1000 };
      // Either watch losing the lease ends both.
      const both = new AbortController();
      const onAbort = () => both.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) both.abort();
      const guard = (p: Promise<void>) => p.finally(() => both.abort());
      try {
        const results = await Promise.allSettled([
          guard(runPodWatch({ ...common, state, queues, stats }, both.signal)),
          guard(runEventWatch({ ...common, state, queue: queues.event }, both.signal)),
          guard(runObjectWatch({ ...common, queues }, both.signal)),
        ]);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  });

  return {
    instance,
    isLeader: () => loop.isLeader(),
    stats,
    async close() {
      await loop.stop();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      host.close();
      try {
        await connection.quit();
      } catch {
        connection.disconnect();
      }
    },
  };
}
