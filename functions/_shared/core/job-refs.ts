// What a job carries: a reference to one object, never its spec or data (Redis and the dashboard hold
// nothing sensitive). The key is the BullMQ deduplication id (queue/enqueue-sync.ts), which collapses
// duplicate events into one pending job per object without losing one that arrives during a run.

/**
 * Namespace refs carry the namespace's name as both namespace and name (a namespace's labels change its pods).
 * ServiceAccountToken refs name a pod: the renewal of its token secret (worker/service-account-tokens.ts).
 * Services and PersistentVolumeClaims are synced objects of their own (processors/service.ts, claim.ts).
 */
export const OBJECT_KINDS = ['Pod', 'ConfigMap', 'Secret', 'Namespace', 'ServiceAccountToken', 'Service', 'PersistentVolumeClaim'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export type ObjectRef = { cluster: string; kind: ObjectKind; namespace: string; name: string; uid?: string };

// Cluster ids share the DNS-1123 subdomain alphabet with namespaces and names, so none of them can hold
// ':' (BullMQ's key separator, refused in custom job ids) or '/' (our separator).
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const UID = /^[A-Za-z0-9-]{1,64}$/;

/** `cluster/Kind/namespace/name`: stable, unique per object, and a legal BullMQ job id. */
export function refKey(ref: ObjectRef): string {
  for (const part of [ref.cluster, ref.namespace, ref.name]) {
    if (part.includes(':') || part.includes('/')) throw new Error(`object reference part "${part}" may not contain ':' or '/'`);
  }
  return `${ref.cluster}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** A human title for the dashboard, e.g. `sync my-vcluster/default/web`; kinds other than Pod are named. */
export function jobTitle(type: string, ref: ObjectRef): string {
  const kind = ref.kind === 'Pod' ? '' : ` (${ref.kind})`;
  return `${type} ${ref.cluster}/${ref.namespace}/${ref.name}${kind}`;
}

function field(data: Record<string, unknown>, key: string, max: number): string {
  const value = data[key];
  if (typeof value !== 'string') throw new Error(`job data.${key} must be a string, got ${value === null ? 'null' : typeof value}`);
  if (value.length > max || !SUBDOMAIN.test(value)) {
    throw new Error(`job data.${key} "${value}" must be a lowercase DNS-1123 subdomain of at most ${max} characters`);
  }
  return value;
}

/** Validates job data into an ObjectRef; throws an Error naming the bad field otherwise. */
export function parseObjectRef(data: unknown): ObjectRef {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`job data must be an object with cluster, kind, namespace and name, got ${Array.isArray(data) ? 'array' : data === null ? 'null' : typeof data}`);
  }
  const d = data as Record<string, unknown>;
  const kind = d.kind;
  if (typeof kind !== 'string' || !(OBJECT_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`job data.kind must be one of ${OBJECT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const ref: ObjectRef = {
    cluster: field(d, 'cluster', 253),
    kind: kind as ObjectKind,
    namespace: field(d, 'namespace', 63),
    name: field(d, 'name', 253),
  };
  if (d.uid !== undefined) {
    if (typeof d.uid !== 'string' || !UID.test(d.uid)) throw new Error(`job data.uid must be a UID string, got ${JSON.stringify(d.uid)}`);
    ref.uid = d.uid;
  }
  return ref;
}
