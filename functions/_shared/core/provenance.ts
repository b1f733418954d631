import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { hostPodName, safeConcatName, sha256Hex } from './names.js';

// Every label and annotation key podferry writes or reads, vCluster-compatible
// (pkg/util/translate/types.go, pkg/controllers/resources/pods/translate/translator.go).

/** The marker label: its value is the vcluster name. */
export const MANAGED_BY_LABEL = 'vcluster.loft.sh/managed-by';
/** The virtual namespace of the object, as a label so host selectors can use it. */
export const NAMESPACE_LABEL = 'vcluster.loft.sh/namespace';
/** Present (any value) on an object another controller owns: the syncer leaves it alone. */
export const CONTROLLED_BY_LABEL = 'vcluster.loft.sh/controlled-by';
export const RELEASE_LABEL = 'release';
/** Prefix of a rewritten virtual label key: `vcluster.loft.sh/label-<vc>-x-<sha256(key)[:10]>`. */
export const LABEL_PREFIX = 'vcluster.loft.sh/label';
/** Prefix of a mirrored virtual namespace label: `vcluster.loft.sh/ns-label-<vc>-x-<sha256(key)[:10]>`. */
export const NAMESPACE_LABEL_PREFIX = 'vcluster.loft.sh/ns-label';
/** The only virtual label keys rewritten on the host (vCluster >= 0.21); all others are copied as is. */
export const TRANSLATED_LABEL_KEYS: readonly string[] = [RELEASE_LABEL, NAMESPACE_LABEL, MANAGED_BY_LABEL, CONTROLLED_BY_LABEL];

export const OBJECT_NAME_ANNOTATION = 'vcluster.loft.sh/object-name';
export const OBJECT_NAMESPACE_ANNOTATION = 'vcluster.loft.sh/object-namespace';
export const OBJECT_UID_ANNOTATION = 'vcluster.loft.sh/object-uid';
export const OBJECT_KIND_ANNOTATION = 'vcluster.loft.sh/object-kind';
export const OBJECT_HOST_NAME_ANNOTATION = 'vcluster.loft.sh/object-host-name';
export const OBJECT_HOST_NAMESPACE_ANNOTATION = 'vcluster.loft.sh/object-host-namespace';
/** Sorted newline-joined list of annotation keys copied from the virtual object. */
export const MANAGED_ANNOTATIONS_ANNOTATION = 'vcluster.loft.sh/managed-annotations';
export const MANAGED_LABELS_ANNOTATION = 'vcluster.loft.sh/managed-labels';

// Pod-only annotations: the targets of the downward API rewrite.
export const POD_NAME_ANNOTATION = 'vcluster.loft.sh/name';
export const POD_NAMESPACE_ANNOTATION = 'vcluster.loft.sh/namespace';
export const POD_UID_ANNOTATION = 'vcluster.loft.sh/uid';
export const POD_LABELS_ANNOTATION = 'vcluster.loft.sh/labels';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'vcluster.loft.sh/service-account-name';
export const OWNER_REFERENCES_ANNOTATION = 'vcluster.loft.sh/owner-references';
export const OWNER_SET_KIND_ANNOTATION = 'vcluster.loft.sh/owner-set-kind';
export const SA_TOKEN_ANNOTATION_PREFIX = 'vcluster.loft.sh/token-';
export const SAFE_TO_EVICT_ANNOTATION = 'cluster-autoscaler.kubernetes.io/safe-to-evict';

/**
 * Go's schema.GroupVersionKind.String() for core kinds, the value of object-kind. TokenRequest marks a pod's
 * service-account token secret (core/service-account-token.ts): made from TokenRequests, not a copy.
 */
export const KIND_VALUES = {
  Pod: '/v1, Kind=Pod', ConfigMap: '/v1, Kind=ConfigMap', Secret: '/v1, Kind=Secret',
  TokenRequest: 'authentication.k8s.io/v1, Kind=TokenRequest',
  Service: '/v1, Kind=Service', PersistentVolumeClaim: '/v1, Kind=PersistentVolumeClaim',
} as const;

/** Bookkeeping annotations: recomputed on every translate, never carried from or back to the virtual side. */
export const BOOKKEEPING_ANNOTATIONS: readonly string[] = [
  OBJECT_NAME_ANNOTATION, OBJECT_NAMESPACE_ANNOTATION, OBJECT_UID_ANNOTATION, OBJECT_KIND_ANNOTATION,
  OBJECT_HOST_NAME_ANNOTATION, OBJECT_HOST_NAMESPACE_ANNOTATION, MANAGED_ANNOTATIONS_ANNOTATION, MANAGED_LABELS_ANNOTATION,
  POD_NAME_ANNOTATION, POD_NAMESPACE_ANNOTATION, POD_UID_ANNOTATION, POD_LABELS_ANNOTATION, SERVICE_ACCOUNT_NAME_ANNOTATION,
  OWNER_REFERENCES_ANNOTATION, OWNER_SET_KIND_ANNOTATION,
];

function prefixedKey(prefix: string, key: string, vcluster: string): string {
  return safeConcatName(prefix, vcluster, 'x', sha256Hex(key).slice(0, 10));
}

/** The host label key for a virtual label key: unchanged unless it is one of the 4 reserved keys. */
export function hostLabelKey(key: string, vcluster: string): string {
  return TRANSLATED_LABEL_KEYS.includes(key) ? prefixedKey(LABEL_PREFIX, key, vcluster) : key;
}

/** True when the key is itself the rewritten form of a reserved key (it would collide on the host). */
export function isRewrittenLabelKey(key: string, vcluster: string): boolean {
  return TRANSLATED_LABEL_KEYS.some((k) => prefixedKey(LABEL_PREFIX, k, vcluster) === key);
}

/** The host label key mirroring a label of the virtual namespace. */
export function namespaceLabelKey(key: string, vcluster: string): string {
  return prefixedKey(NAMESPACE_LABEL_PREFIX, key, vcluster);
}

/** Another controller claims the object: vCluster's excludeVirtual/excludePhysical. */
export function isControlledElsewhere(meta: V1ObjectMeta | undefined): boolean {
  return meta?.labels?.[CONTROLLED_BY_LABEL] !== undefined;
}

/**
 * vCluster's IsManaged for pods: marker label equals the vcluster, object-name present and the host name
 * is the translation of (object-name, object-namespace); kind, host name and host namespace annotations
 * must agree when present. With hostNamespace, the pod must also live there.
 */
export function isManagedHostPod(hostPod: V1Pod | undefined, vcluster: string, hostNamespace?: string): boolean {
  const meta = hostPod?.metadata;
  if (!meta?.name || meta.labels?.[MANAGED_BY_LABEL] !== vcluster) return false;
  if (hostNamespace !== undefined && meta.namespace !== hostNamespace) return false;
  const a = meta.annotations ?? {};
  const virtualName = a[OBJECT_NAME_ANNOTATION];
  if (!virtualName) return false;
  if (meta.name !== hostPodName(virtualName, a[OBJECT_NAMESPACE_ANNOTATION] ?? '', vcluster)) return false;
  if (a[OBJECT_KIND_ANNOTATION] !== undefined && a[OBJECT_KIND_ANNOTATION] !== KIND_VALUES.Pod) return false;
  if (a[OBJECT_HOST_NAME_ANNOTATION] !== undefined && a[OBJECT_HOST_NAME_ANNOTATION] !== meta.name) return false;
  if (a[OBJECT_HOST_NAMESPACE_ANNOTATION] !== undefined && a[OBJECT_HOST_NAMESPACE_ANNOTATION] !== meta.namespace) return false;
  return true;
}

/** The virtual pod a host pod stands for, from its annotations; undefined when they are missing. */
export function virtualRefOf(hostPod: V1Pod | undefined): { namespace: string; name: string; uid?: string } | undefined {
  const a = hostPod?.metadata?.annotations;
  const name = a?.[OBJECT_NAME_ANNOTATION];
  const namespace = a?.[OBJECT_NAMESPACE_ANNOTATION];
  if (!name || !namespace) return undefined;
  const uid = a[OBJECT_UID_ANNOTATION];
  return uid ? { namespace, name, uid } : { namespace, name };
}
