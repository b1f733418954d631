import type { V1ConfigMap, V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { hostObjectName } from './names.js';
import type { MetadataFilter } from './host-metadata-filter.js';
import { hostAnnotations, hostLabels, type SyncedKind } from './translate-metadata.js';

// Configmaps and secrets a pod depends on, copied into the host namespace with provenance. Only the
// payload travels: data, binaryData, type, immutable; server-set metadata and owners stay behind, and
// metadata goes through the host metadata filter.

export type ObjectContext = { vcluster: string; hostNamespace: string; metadataFilter?: MetadataFilter };

/**
 * Secret types a host controller acts on become Opaque: a real host's token controller fills a
 * service-account-token secret with a HOST token (and the tenant's pod would mount it), and bootstrap
 * tokens authenticate nodes. Other types (dockerconfigjson for image pulls, tls, basic-auth) are payload.
 */
export const HOST_ACTED_SECRET_TYPES: readonly string[] = Object.freeze(['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token']);

export function hostSecretType(virtualType: string | undefined): string | undefined {
  return virtualType !== undefined && HOST_ACTED_SECRET_TYPES.includes(virtualType) ? 'Opaque' : virtualType;
}

/** The host metadata of any synced namespaced object: translated name, filtered labels and annotations, provenance. */
export function hostObjectMeta(virtual: { metadata?: V1ObjectMeta }, kind: SyncedKind, ctx: ObjectContext): V1ObjectMeta {
  const meta = virtual.metadata ?? {};
  const name = hostObjectName(meta.name ?? '', meta.namespace ?? '', ctx.vcluster);
  return {
    name,
    namespace: ctx.hostNamespace,
    labels: hostLabels(meta.labels, meta.namespace ?? '', ctx.vcluster, undefined, ctx.metadataFilter),
    annotations: hostAnnotations(meta, kind, { name, namespace: ctx.hostNamespace }, ctx.vcluster, ctx.metadataFilter),
  };
}

export function translateConfigMap(virtual: V1ConfigMap, ctx: ObjectContext): V1ConfigMap {
  const out: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: hostObjectMeta(virtual, 'ConfigMap', ctx) };
  if (virtual.data) out.data = { ...virtual.data };
  if (virtual.binaryData) out.binaryData = { ...virtual.binaryData };
  if (virtual.immutable !== undefined) out.immutable = virtual.immutable;
  return out;
}

export function translateSecret(virtual: V1Secret, ctx: ObjectContext): V1Secret {
  const out: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: hostObjectMeta(virtual, 'Secret', ctx) };
  const type = hostSecretType(virtual.type);
  if (type) out.type = type;
  if (virtual.data) out.data = { ...virtual.data };
  if (virtual.stringData) out.stringData = { ...virtual.stringData };
  if (virtual.immutable !== undefined) out.immutable = virtual.immutable;
  return out;
}
