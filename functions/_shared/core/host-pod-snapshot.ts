import type { V1Pod } from '@kubernetes/client-node';

// What the host watch keeps of each host pod in Redis, so a job needs no host GET: what the status plan reads
// (plan.ts with statusOnly, translate-status.ts) and what sync's comparison reads (host-pod-diff.ts: the few
// fields a live pod lets change). Identity and provenance (name, namespace, uid, resourceVersion, labels,
// annotations), deletion, the node, the whole status, and of the spec only the containers' names and images,
// activeDeadlineSeconds, tolerations, scheduling gates and the ephemeral containers' names and images. Left
// out: the rest of the spec (commands, env, volumes: the bulk of a pod, and what may hold a tenant's
// secrets) and managedFields.

export function hostPodSnapshot(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  const metadata: NonNullable<V1Pod['metadata']> = {};
  if (m.name) metadata.name = m.name;
  if (m.namespace) metadata.namespace = m.namespace;
  if (m.uid) metadata.uid = m.uid;
  if (m.resourceVersion) metadata.resourceVersion = m.resourceVersion;
  if (m.labels) metadata.labels = m.labels;
  if (m.annotations) metadata.annotations = m.annotations;
  if (m.deletionTimestamp) metadata.deletionTimestamp = m.deletionTimestamp;
  if (m.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds !== null) metadata.deletionGracePeriodSeconds = m.deletionGracePeriodSeconds;
  const out: V1Pod = { metadata };
  const spec = pod.spec;
  if (spec) {
    const images = <T extends { name: string; image?: string }>(list: T[]) => list.map((c) => ({ name: c.name, ...(c.image !== undefined ? { image: c.image } : {}) }));
    out.spec = { containers: images(spec.containers ?? []) };
    if (spec.nodeName) out.spec.nodeName = spec.nodeName;
    if (spec.initContainers?.length) out.spec.initContainers = images(spec.initContainers);
    if (spec.ephemeralContainers?.length) out.spec.ephemeralContainers = images(spec.ephemeralContainers);
    if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) out.spec.activeDeadlineSeconds = spec.activeDeadlineSeconds;
    if (spec.tolerations?.length) out.spec.tolerations = spec.tolerations;
    if (spec.schedulingGates?.length) out.spec.schedulingGates = spec.schedulingGates.map((g) => ({ name: g.name }));
  }
  if (pod.status) out.status = pod.status;
  return out;
}

/** The snapshot as stored: compact JSON (Dates from client-node become RFC 3339 strings, as on the wire). */
export function encodeSnapshot(pod: V1Pod): string {
  return JSON.stringify(hostPodSnapshot(pod));
}

export function decodeSnapshot(text: string): V1Pod {
  return JSON.parse(text) as V1Pod;
}
