import type { V1Pod } from '@kubernetes/client-node';

// What the host watch keeps of each host pod in Redis, so a status job needs no host GET: exactly what the
// status plan reads (plan.ts with statusOnly, translate-status.ts). Identity and provenance (name, namespace,
// uid, resourceVersion, labels, annotations), deletion, the node and the whole status. Left out: the spec
// (containers, volumes: the bulk of a pod, and only `sync` compares it, from its own read) and managedFields.

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
  if (pod.spec?.nodeName) out.spec = { nodeName: pod.spec.nodeName, containers: [] };
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
