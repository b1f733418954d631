// What every worker may take as known for a short while, through Redis: that a virtual ConfigMap or Secret
// already has a current host copy owned by podferry for exactly that object (so the next pod that mounts it,
// often kube-root-ca.crt for every pod of a namespace, needs neither the virtual read nor the host upsert),
// and a namespace's service links; the namespace's labels live in the same keyspace (namespace-labels.ts). A
// burst of pods in one namespace then checks each once, not once per pod, and a sync reads all of it at once.
//
// The jobs that change what a mark stands for forget it before they act: the dependency job (an audited
// change of the virtual object), the census that deletes unused copies, the Service job. The TTL bounds how
// stale a mark can be when that audit event is lost or the host copy is removed by hand, as the namespace
// labels' TTL does (ADR 0011). Marks are keyed by the virtual identity, never the host name, so an object
// whose name collides with another's on the host never inherits the other's mark: it meets the ownership check.
import type { Redis } from 'ioredis';

/** How long a mark is trusted before the object is checked again. */
export const SHARED_MARK_TTL_MS = 60_000;

export interface SharedMarks {
  /** The values of the marks (undefined where none), in one round trip. */
  get(marks: readonly string[]): Promise<Array<string | undefined>>;
  set(mark: string, value: string): Promise<void>;
  forget(marks: readonly string[]): Promise<void>;
}

/** The mark that a current, owned host copy of the virtual object exists (its value: the virtual resourceVersion copied). */
export const copyMark = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => `copy:${kind}:${namespace}:${name}`;

/** The mark holding a namespace's service links (JSON), as the last pod created there got them. */
export const serviceLinksMark = (namespace: string) => `service-links:${namespace}`;

/** The namespace's labels as namespace-labels.ts keeps them (its own format and newer-version guard). */
export const namespaceLabelsMark = (namespace: string) => `namespace-labels:${namespace}`;

/** The Redis key of a mark: one keyspace for what workers share briefly, so one MGET reads any of it. */
export const sharedMarkKey = (queuePrefix: string, cluster: string, mark: string) => `${queuePrefix}:marks:${cluster}:${mark}`;

export function createSharedMarks(redis: Redis, queuePrefix: string, cluster: string, ttlMs = SHARED_MARK_TTL_MS): SharedMarks {
  const key = (mark: string) => sharedMarkKey(queuePrefix, cluster, mark);
  const ttl = Math.max(1, Math.round(ttlMs));
  return {
    async get(marks) {
      if (marks.length === 0) return [];
      const values = await redis.mget(marks.map(key));
      return values.map((v) => v ?? undefined);
    },
    async set(mark, value) {
      await redis.set(key(mark), value, 'PX', ttl);
    },
    async forget(marks) {
      if (marks.length > 0) await redis.del(...marks.map(key));
    },
  };
}
