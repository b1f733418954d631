// One rate limit for the host API, shared by every worker process through Redis: a token bucket kept in one
// hash and updated by one Lua script, so N workers together never exceed the configured QPS. Each call
// reserves a token and learns how long to wait for it (one round trip, fair in arrival order). A 429 from
// the host pauses everyone until its Retry-After has passed.
import type { Redis } from 'ioredis';

// KEYS[1] bucket hash. ARGV: rate per second, burst. Uses the server clock so workers need no synced clocks.
const RESERVE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'blocked')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
local blocked = tonumber(state[3]) or 0
tokens = math.min(burst, tokens + (now - ts) * rate / 1000) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens * 1000 / rate) end
if blocked > now and blocked - now > wait then wait = blocked - now end
return wait
`;

const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
if until_ms > blocked then redis.call('HSET', KEYS[1], 'blocked', tostring(until_ms)) end
redis.call('PEXPIRE', KEYS[1], 60000 + tonumber(ARGV[1]))
return until_ms
`;

export interface HostRateLimit {
  /** Resolves when this caller may send one host API request. */
  take(): Promise<void>;
  /** Pauses every worker for `ms` (a 429 with Retry-After from the host). */
  pauseAll(ms: number): Promise<void>;
}

/** The two scripts as ioredis commands: sent once, then run by SHA (EVALSHA), not re-sent per call. */
interface RateLimitCommands {
  podferryReserveHostToken(key: string, qps: string, burst: string): Promise<number>;
  podferryBlockHost(key: string, ms: string): Promise<number>;
}

function withCommands(redis: Redis): Redis & RateLimitCommands {
  const r = redis as Redis & Partial<RateLimitCommands>;
  if (!r.podferryReserveHostToken) redis.defineCommand('podferryReserveHostToken', { numberOfKeys: 1, lua: RESERVE });
  if (!r.podferryBlockHost) redis.defineCommand('podferryBlockHost', { numberOfKeys: 1, lua: BLOCK });
  return redis as Redis & RateLimitCommands;
}

export function createHostRateLimit(redis: Redis, opts: { key: string; qps: number; burst?: number }): HostRateLimit {
  const burst = String(opts.burst ?? Math.max(1, Math.ceil(opts.qps / 10)));
  const client = withCommands(redis);
  return {
    async take() {
      if (!(opts.qps > 0)) return;
      const wait = Number(await client.podferryReserveHostToken(opts.key, String(opts.qps), burst));
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
    async pauseAll(ms: number) {
      await client.podferryBlockHost(opts.key, String(Math.max(0, Math.ceil(ms))));
    },
  };
}
