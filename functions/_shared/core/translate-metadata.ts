import type { V1LabelSelector, V1ObjectMeta } from '@kubernetes/client-node';
import {
  BOOKKEEPING_ANNOTATIONS, KIND_VALUES, MANAGED_ANNOTATIONS_ANNOTATION, MANAGED_BY_LABEL, MANAGED_LABELS_ANNOTATION, NAMESPACE_LABEL,
  OBJECT_HOST_NAME_ANNOTATION, OBJECT_HOST_NAMESPACE_ANNOTATION, OBJECT_KIND_ANNOTATION, OBJECT_NAME_ANNOTATION,
  OBJECT_NAMESPACE_ANNOTATION, OBJECT_UID_ANNOTATION, SA_TOKEN_ANNOTATION_PREFIX, TRANSLATED_LABEL_KEYS, hostLabelKey,
  isRewrittenLabelKey, namespaceLabelKey,
} from './provenance.js';
import { DEFAULT_METADATA_FILTER, isReservedKey, isTenantAnnotationAllowed, isTenantLabelAllowed, type MetadataFilter } from './host-metadata-filter.js';

// Host labels and annotations for any synced namespaced object (vCluster's HostLabelsMap, HostAnnotations).

export type SyncedKind = keyof typeof KIND_VALUES;

/**
 * The tenant's labels as the host gets them: the 4 translated keys rewritten (vCluster-compatible), any
 * other key in a reserved prefix dropped (it would forge provenance), keys on the deny list dropped.
 */
export function tenantHostLabels(virtualLabels: Record<string, string> | undefined, vcluster: string, filter: MetadataFilter = DEFAULT_METADATA_FILTER): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(virtualLabels ?? {})) {
    if (TRANSLATED_LABEL_KEYS.includes(k)) {
      out[hostLabelKey(k, vcluster)] = v;
      continue;
    }
    if (isRewrittenLabelKey(k, vcluster) || isReservedKey(k) || !isTenantLabelAllowed(k, filter)) continue;
    out[k] = v;
  }
  return out;
}

/** The tenant's labels (filtered), then the marker and namespace labels, then the namespace-label mirror. */
export function hostLabels(
  virtualLabels: Record<string, string> | undefined,
  virtualNamespace: string,
  vcluster: string,
  namespaceLabels?: Record<string, string>,
  filter: MetadataFilter = DEFAULT_METADATA_FILTER,
): Record<string, string> {
  const out = tenantHostLabels(virtualLabels, vcluster, filter);
  out[MANAGED_BY_LABEL] = vcluster;
  out[NAMESPACE_LABEL] = virtualNamespace;
  for (const [k, v] of Object.entries(namespaceLabels ?? {})) out[namespaceLabelKey(k, vcluster)] = v;
  return out;
}

/**
 * Keys never copied from the virtual object: bookkeeping would lie, token annotations would leak, and
 * host-acting or reserved keys are the metadata filter's to drop.
 */
export function isExcludedAnnotation(key: string, filter: MetadataFilter = DEFAULT_METADATA_FILTER): boolean {
  return BOOKKEEPING_ANNOTATIONS.includes(key) || key.startsWith(SA_TOKEN_ANNOTATION_PREFIX) || !isTenantAnnotationAllowed(key, filter);
}

/**
 * Virtual annotations copied (with the managed-annotations list), plus the object-* provenance. The
 * managed-labels list records which host label keys came from the virtual labels, so a label removed
 * virtually can be removed from the host while labels other host controllers add are left alone.
 */
export function hostAnnotations(
  virtualMeta: V1ObjectMeta,
  kind: SyncedKind,
  host: { name: string; namespace: string },
  vcluster: string,
  filter: MetadataFilter = DEFAULT_METADATA_FILTER,
): Record<string, string> {
  const out: Record<string, string> = {};
  const copied: string[] = [];
  for (const [k, v] of Object.entries(virtualMeta.annotations ?? {})) {
    if (isExcludedAnnotation(k, filter)) continue;
    out[k] = v;
    copied.push(k);
  }
  if (copied.length > 0) out[MANAGED_ANNOTATIONS_ANNOTATION] = copied.sort().join('\n');
  const labelKeys = Object.keys(tenantHostLabels(virtualMeta.labels, vcluster, filter)).sort();
  if (labelKeys.length > 0) out[MANAGED_LABELS_ANNOTATION] = labelKeys.join('\n');
  out[OBJECT_NAME_ANNOTATION] = virtualMeta.name ?? '';
  out[OBJECT_NAMESPACE_ANNOTATION] = virtualMeta.namespace ?? '';
  out[OBJECT_UID_ANNOTATION] = virtualMeta.uid ?? '';
  out[OBJECT_KIND_ANNOTATION] = KIND_VALUES[kind];
  out[OBJECT_HOST_NAME_ANNOTATION] = host.name;
  out[OBJECT_HOST_NAMESPACE_ANNOTATION] = host.namespace;
  return out;
}

/** vCluster's `vcluster.loft.sh/labels`: sorted `key=<JSON string>` lines, the downward API target for metadata.labels. */
export function labelsAnnotation(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).sort().join('\n');
}

/** A label selector with the reserved keys rewritten; nil stays nil. */
export function hostLabelSelector(selector: V1LabelSelector | undefined, vcluster: string): V1LabelSelector | undefined {
  if (!selector) return undefined;
  const out: V1LabelSelector = {};
  if (selector.matchLabels) {
    out.matchLabels = {};
    for (const [k, v] of Object.entries(selector.matchLabels)) out.matchLabels[hostLabelKey(k, vcluster)] = v;
  }
  if (selector.matchExpressions) {
    out.matchExpressions = selector.matchExpressions.map((e) => ({ ...e, key: hostLabelKey(e.key, vcluster) }));
  }
  return out;
}
