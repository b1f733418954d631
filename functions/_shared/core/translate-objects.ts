import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { hostObjectName } from './names.js';
import { hostAnnotations, hostLabels } from './translate-metadata.js';

// Configmaps and secrets a pod depends on, copied into the host namespace with provenance. Only the
// payload travels: data, binaryData, type, immutable; server-set metadata and owners stay behind.

type ObjectContext = { vcluster: string; hostNamespace: string };

function hostMeta(virtual: V1ConfigMap | V1Secret, kind: 'ConfigMap' | 'Secret', ctx: ObjectContext) {
  const meta = virtual.metadata ?? {};
  const name = hostObjectName(meta.name ?? '', meta.namespace ?? '', ctx.vcluster);
  return {
    name,
    namespace: ctx.hostNamespace,
    labels: hostLabels(meta.labels, meta.namespace ?? '', ctx.vcluster),
    annotations: hostAnnotations(meta, kind, { name, namespace: ctx.hostNamespace }, ctx.vcluster),
  };
}

export function translateConfigMap(virtual: V1ConfigMap, ctx: ObjectContext): V1ConfigMap {
  const out: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: hostMeta(virtual, 'ConfigMap', ctx) };
  if (virtual.data) out.data = { ...virtual.data };
  if (virtual.binaryData) out.binaryData = { ...virtual.binaryData };
  if (virtual.immutable !== undefined) out.immutable = virtual.immutable;
  return out;
}

export function translateSecret(virtual: V1Secret, ctx: ObjectContext): V1Secret {
  const out: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: hostMeta(virtual, 'Secret', ctx) };
  if (virtual.type) out.type = virtual.type;
  if (virtual.data) out.data = { ...virtual.data };
  if (virtual.stringData) out.stringData = { ...virtual.stringData };
  if (virtual.immutable !== undefined) out.immutable = virtual.immutable;
  return out;
}
