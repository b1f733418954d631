// Leader election for the host watch, in Redis: one key with a TTL (SET NX PX) names the instance that
// watches, prefixed with a fencing token taken from a counter on every acquisition. The holder renews it
// well before it expires; every write the holder makes to the watch state checks the key still holds its
// exact value (host-pod-state.ts), so an instance that lost the lease (paused, partitioned) cannot write
// over its successor, whose token is higher. Jobs it enqueues meanwhile are harmless: jobs are level-triggered.
import type { Redis } from 'ioredis';

const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
`;

const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

interface LeaseCommands {
  podferryLeaseAcquire(lease: string, fence: string, instance: string, ms: string): Promise<number>;
  podferryLeaseRenew(lease: string, value: string, ms: string): Promise<number>;
  podferryLeaseRelease(lease: string, value: string): Promise<number>;
}

function withCommands(redis: Redis): Redis & LeaseCommands {
  const r = redis as Redis & Partial<LeaseCommands>;
  if (!r.podferryLeaseAcquire) redis.defineCommand('podferryLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  if (!r.podferryLeaseRenew) redis.defineCommand('podferryLeaseRenew', { numberOfKeys: 1, lua: RENEW });
  if (!r.podferryLeaseRelease) redis.defineCommand('podferryLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
  return redis as Redis & LeaseCommands;
}

/** A held lease: `value` is what the key holds, the proof every fenced write presents. */
export interface HeldLease {
  token: number;
  value: string;
}

export interface LeaseStore {
  tryAcquire(): Promise<HeldLease | undefined>;
  /** True while the lease is still ours (and now extended). */
  renew(lease: HeldLease): Promise<boolean>;
  release(lease: HeldLease): Promise<void>;
  /** The current holder's value, or undefined (for status pages and tests). */
  holder(): Promise<string | undefined>;
}

export function createLeaseStore(redis: Redis, keys: { lease: string; fence: string }, instance: string, leaseMs: number): LeaseStore {
  const client = withCommands(redis);
  const ms = String(Math.max(1, Math.round(leaseMs)));
  return {
    async tryAcquire() {
      const token = Number(await client.podferryLeaseAcquire(keys.lease, keys.fence, instance, ms));
      return token > 0 ? { token, value: `${token}:${instance}` } : undefined;
    },
    async renew(lease) {
      return Number(await client.podferryLeaseRenew(keys.lease, lease.value, ms)) === 1;
    },
    async release(lease) {
      await client.podferryLeaseRelease(keys.lease, lease.value);
    },
    async holder() {
      return (await redis.get(keys.lease)) ?? undefined;
    },
  };
}
