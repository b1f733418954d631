// Pods waiting for a ConfigMap or Secret that did not exist when they were synced: one small Redis set per
// missing object, holding the names of the virtual pods that mount it. When the object is created, its
// dependency job copies it and syncs exactly those pods, instead of looking at every pod of the namespace.
import type { Redis } from 'ioredis';

/** A waiting list outlives any sane wait; resync repairs what an expired one would have missed. */
const WAIT_TTL_SECONDS = 24 * 3600;

export type DependencyKind = 'ConfigMap' | 'Secret';

export interface DependencyWaits {
  wait(kind: DependencyKind, namespace: string, name: string, pod: string): Promise<void>;
  waiting(kind: DependencyKind, namespace: string, name: string): Promise<string[]>;
  /** Forgets these pods (they were synced again); a pod added meanwhile stays. */
  done(kind: DependencyKind, namespace: string, name: string, pods: readonly string[]): Promise<void>;
  /**
   * The host copies no pod referenced at the last resync, replaced by this resync's: a copy is deleted only
   * when two resyncs in a row found it unused (a pod being created between the two reads is not lost).
   */
  swapUnused(next: readonly string[]): Promise<Set<string>>;
}

export function createDependencyWaits(redis: Redis, queuePrefix: string, cluster: string): DependencyWaits {
  const key = (kind: DependencyKind, namespace: string, name: string) => `${queuePrefix}:dependency-waits:${cluster}:${kind}:${namespace}/${name}`;
  return {
    async wait(kind, namespace, name, pod) {
      await redis.multi().sadd(key(kind, namespace, name), pod).expire(key(kind, namespace, name), WAIT_TTL_SECONDS).exec();
    },
    waiting: (kind, namespace, name) => redis.smembers(key(kind, namespace, name)),
    async done(kind, namespace, name, pods) {
      if (pods.length > 0) await redis.srem(key(kind, namespace, name), ...pods);
    },
    async swapUnused(next) {
      const unused = `${queuePrefix}:dependency-unused:${cluster}`;
      const tx = redis.multi().smembers(unused).del(unused);
      if (next.length > 0) tx.sadd(unused, ...next);
      const [[, previous]] = (await tx.exec()) as [[unknown, string[]], ...unknown[]];
      return new Set(previous);
    },
  };
}
