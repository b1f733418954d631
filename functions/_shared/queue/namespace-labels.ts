// A virtual namespace's labels (which its host pods mirror), shared by every worker through Redis for a
// short while, so a burst of pods in one namespace reads the namespace once rather than once per sync. The
// namespace job (an audited namespace update) writes the new labels before it syncs the namespace's pods
// again, so a label change reaches them at once; the TTL bounds how stale a copy can be when that audit
// event is lost (as the resync interval bounds everything else). A copy never replaces a newer one.
import type { Redis } from 'ioredis';
import { LUA_SET_UNLESS_NEWER, versionedValue } from './host-watch-keys.js';
import { namespaceLabelsMark, sharedMarkKey } from './shared-marks.js';

/** How long a copy is used before the namespace is read again. */
export const NAMESPACE_LABELS_TTL_MS = 60_000;

// KEYS: the copy. ARGV: rv, labels JSON, ttl ms. Stores "<rv>\t<json>" unless a newer copy is there.
const PUT = `${LUA_SET_UNLESS_NEWER}
if set_unless_newer(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 1 end
return 0
`;

interface PutCommand {
  podferryPutNamespaceLabels(key: string, rv: string, json: string, ttl: string): Promise<number>;
}

/** A stored copy ("<rv>\t<labels JSON>", as read by get or by one MGET of shared marks): the labels, or undefined. */
export function parseNamespaceLabels(value: string | null | undefined): Record<string, string> | undefined {
  const json = versionedValue(value);
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as Record<string, string>;
  } catch {
    return undefined;
  }
}

export interface NamespaceLabelsCache {
  /** The labels as last copied (`{}` for none), or undefined when there is no copy. */
  get(namespace: string): Promise<Record<string, string> | undefined>;
  put(namespace: string, resourceVersion: string, labels: Record<string, string>): Promise<void>;
}

export function createNamespaceLabelsCache(redis: Redis, queuePrefix: string, cluster: string, ttlMs = NAMESPACE_LABELS_TTL_MS): NamespaceLabelsCache {
  const r = redis as Redis & Partial<PutCommand>;
  if (!r.podferryPutNamespaceLabels) redis.defineCommand('podferryPutNamespaceLabels', { numberOfKeys: 1, lua: PUT });
  const client = redis as Redis & PutCommand;
  const key = (namespace: string) => sharedMarkKey(queuePrefix, cluster, namespaceLabelsMark(namespace));
  return {
    async get(namespace) {
      return parseNamespaceLabels(await redis.get(key(namespace)));
    },
    async put(namespace, resourceVersion, labels) {
      await client.podferryPutNamespaceLabels(key(namespace), resourceVersion, JSON.stringify(labels), String(Math.max(1, Math.round(ttlMs))));
    },
  };
}
