import type { V1ObjectMeta } from '@kubernetes/client-node';
import { RESERVED_PREFIXES } from './host-metadata-filter.js';
import type { OwnerWanted } from './ownership.js';
import { MANAGED_ANNOTATIONS_ANNOTATION, MANAGED_LABELS_ANNOTATION } from './provenance.js';
import type { ObjectContext } from './translate-objects.js';
import { semanticEqual } from './translate-status.js';

// What the Service and claim planners share (translate-service.ts, translate-claim.ts).

/** The object a plan step writes or deletes, with the uid and resourceVersion it was planned from (its preconditions). */
export type ObjectTarget = { namespace: string; name: string; uid?: string; resourceVersion?: string };

export function objectTarget(o: { metadata?: V1ObjectMeta }): ObjectTarget {
  const m = o.metadata ?? {};
  return { namespace: m.namespace ?? '', name: m.name ?? '', ...(m.uid ? { uid: m.uid } : {}), ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}) };
}

export const isBeingDeleted = (o: { metadata?: V1ObjectMeta } | undefined): boolean => o?.metadata?.deletionTimestamp !== undefined && o?.metadata?.deletionTimestamp !== null;

/** Whom a host Service or claim must belong to: podferry's copy of exactly this virtual object. */
export function syncedOwner(kind: 'Service' | 'PersistentVolumeClaim', ref: { namespace: string; name: string }, ctx: ObjectContext): OwnerWanted {
  return { kind, vcluster: ctx.vcluster, hostNamespace: ctx.hostNamespace, namespace: ref.namespace, name: ref.name };
}

// The labels and annotations a replaced host object (a Service, a PersistentVolumeClaim) gets: the translated
// ones, plus what host components added (a cloud controller's annotation, a provisioner's binding marks),
// which podferry leaves alone. A key the virtual object had before (in the host object's managed lists) and
// dropped since is removed; podferry's and vCluster's own keys not in the translation are podferry's to drop.

const list = (value: string | undefined) => new Set((value ?? '').split('\n').filter((k) => k !== ''));
const own = (key: string) => RESERVED_PREFIXES.some((p) => key.startsWith(p));

function merge(desired: Record<string, string>, observed: Record<string, string>, previouslyManaged: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(observed)) if (!(k in desired) && !previouslyManaged.has(k) && !own(k)) out[k] = v;
  return { ...out, ...desired };
}

export interface MergedMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** True when either differs from what the host object has now. */
  changed: boolean;
}

export function mergeHostMetadata(desired: V1ObjectMeta, observed: V1ObjectMeta | undefined): MergedMetadata {
  const oLabels = observed?.labels ?? {};
  const oAnnotations = observed?.annotations ?? {};
  const labels = merge(desired.labels ?? {}, oLabels, list(oAnnotations[MANAGED_LABELS_ANNOTATION]));
  const annotations = merge(desired.annotations ?? {}, oAnnotations, list(oAnnotations[MANAGED_ANNOTATIONS_ANNOTATION]));
  return { labels, annotations, changed: !semanticEqual(labels, oLabels) || !semanticEqual(annotations, oAnnotations) };
}
