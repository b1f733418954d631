// ioredis connections for BullMQ. The two roles need opposite failure behaviour:
// - producer (webhook): fail fast when Redis is down, so the HTTP caller gets an answer at once and
//   audit/resync catch up later; an offline queue would hold requests for tens of seconds.
// - worker: blocking commands must wait out an outage forever (BullMQ requires maxRetriesPerRequest null).
import { Redis, type RedisOptions } from 'ioredis';

export type ConnectionRole = 'producer' | 'worker';

/** Reconnect quickly at first, then at most every 2 s, forever: an outage must never end the process. */
export function reconnectDelayMs(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 10), 2000);
}

export function connectionOptions(role: ConnectionRole): RedisOptions {
  const common: RedisOptions = { retryStrategy: reconnectDelayMs, connectionName: `podferry-${role}` };
  if (role === 'worker') return { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true };
  return { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
}

/** One client from REDIS_URL; the caller owns it and must `quit()` it after closing the BullMQ objects. */
export function createRedisConnection(redisUrl: string, role: ConnectionRole): Redis {
  const client = new Redis(redisUrl, connectionOptions(role));
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
  client.on('error', () => {});
  return client;
}
