import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { BOOKKEEPING_ANNOTATIONS, MANAGED_ANNOTATIONS_ANNOTATION, MANAGED_LABELS_ANNOTATION, SA_TOKEN_ANNOTATION_PREFIX } from './provenance.js';
import { hostAnnotations, hostLabels } from './translate-metadata.js';

// Labels and annotations both ways, by origin. A key set on the virtual pod is the virtual pod's: it reaches
// the host (translate-metadata.ts), and the host pod's managed-labels / managed-annotations lists name it. A
// key a host component adds to the host pod (an admission webhook, a CNI, an operator) is the host's: it is
// copied to the virtual pod, follows the host's changes and removal, and the virtual pod lists it in
// HOST_LABELS_ANNOTATION / HOST_ANNOTATIONS_ANNOTATION, so translation never sends it back as the virtual
// pod's own (which would hand it to the virtual side). On a conflict the origin wins: the virtual value for
// a virtual key, the host value for a host key.

export const HOST_LABELS_ANNOTATION = 'podferry.dev/host-labels';
export const HOST_ANNOTATIONS_ANNOTATION = 'podferry.dev/host-annotations';

/** podferry's and vCluster's own keys, never anyone's data. */
const OWN_PREFIXES = ['vcluster.loft.sh/', 'podferry.dev/'];

const own = (key: string) => OWN_PREFIXES.some((p) => key.startsWith(p));
const list = (value: string | undefined) => (value ? value.split('\n').filter((k) => k !== '') : []);

/** The keys the virtual pod has from the host (listed on the virtual pod). */
export function hostOwnedKeys(meta: V1ObjectMeta | undefined): { labels: Set<string>; annotations: Set<string> } {
  const a = meta?.annotations ?? {};
  return { labels: new Set(list(a[HOST_LABELS_ANNOTATION])), annotations: new Set(list(a[HOST_ANNOTATIONS_ANNOTATION])) };
}

/** The virtual pod without the keys it has from the host: what translation carries to the host. */
export function withoutHostOwned(virtualPod: V1Pod): V1Pod {
  const owned = hostOwnedKeys(virtualPod.metadata);
  if (owned.labels.size === 0 && owned.annotations.size === 0 && !virtualPod.metadata?.annotations?.[HOST_LABELS_ANNOTATION] && !virtualPod.metadata?.annotations?.[HOST_ANNOTATIONS_ANNOTATION]) return virtualPod;
  const meta = { ...(virtualPod.metadata ?? {}) };
  meta.labels = Object.fromEntries(Object.entries(meta.labels ?? {}).filter(([k]) => !owned.labels.has(k)));
  meta.annotations = Object.fromEntries(Object.entries(meta.annotations ?? {}).filter(([k]) => !owned.annotations.has(k) && k !== HOST_LABELS_ANNOTATION && k !== HOST_ANNOTATIONS_ANNOTATION));
  return { ...virtualPod, metadata: meta };
}

/** The host pod's keys that host components added: not podferry's, not in the lists of keys from the virtual pod. */
export function hostAddedMetadata(hostPod: V1Pod): { labels: Record<string, string>; annotations: Record<string, string> } {
  const a = hostPod.metadata?.annotations ?? {};
  const fromVirtualLabels = new Set(list(a[MANAGED_LABELS_ANNOTATION]));
  const fromVirtualAnnotations = new Set(list(a[MANAGED_ANNOTATIONS_ANNOTATION]));
  const labels = Object.fromEntries(Object.entries(hostPod.metadata?.labels ?? {}).filter(([k]) => !own(k) && !fromVirtualLabels.has(k)));
  const annotations = Object.fromEntries(Object.entries(a).filter(([k]) =>
    !own(k) && !fromVirtualAnnotations.has(k) && !BOOKKEEPING_ANNOTATIONS.includes(k) && !k.startsWith(SA_TOKEN_ANNOTATION_PREFIX) && k !== 'cluster-autoscaler.kubernetes.io/safe-to-evict'));
  return { labels, annotations };
}

/**
 * The merge patch that brings the virtual pod's host-owned keys to the host's: added and changed keys set,
 * keys the host dropped removed (null), and the two lists rewritten; undefined when they already agree. A
 * key the virtual pod set itself is never touched.
 */
export function hostMetadataPatch(hostPod: V1Pod, virtualPod: V1Pod): { metadata: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> } } | undefined {
  const added = hostAddedMetadata(hostPod);
  const owned = hostOwnedKeys(virtualPod.metadata);
  const vLabels = virtualPod.metadata?.labels ?? {};
  const vAnnotations = virtualPod.metadata?.annotations ?? {};
  const patchMap = (host: Record<string, string>, virtual: Record<string, string>, ownedKeys: Set<string>) => {
    const out: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(host)) {
      // A key the virtual pod set itself stays the virtual pod's, whatever the host says.
      if (k in virtual && !ownedKeys.has(k)) continue;
      if (virtual[k] !== v) out[k] = v;
    }
    for (const k of ownedKeys) if (!(k in host) && k in virtual) out[k] = null;
    return out;
  };
  const labels = patchMap(added.labels, vLabels, owned.labels);
  const annotations = patchMap(added.annotations, vAnnotations, owned.annotations);
  const keys = (host: Record<string, string>, virtual: Record<string, string>, ownedKeys: Set<string>) =>
    Object.keys(host).filter((k) => !(k in virtual) || ownedKeys.has(k)).sort().join('\n');
  const nextLabels = keys(added.labels, vLabels, owned.labels);
  const nextAnnotations = keys(added.annotations, vAnnotations, owned.annotations);
  if (nextLabels !== (vAnnotations[HOST_LABELS_ANNOTATION] ?? '')) annotations[HOST_LABELS_ANNOTATION] = nextLabels || null;
  if (nextAnnotations !== (vAnnotations[HOST_ANNOTATIONS_ANNOTATION] ?? '')) annotations[HOST_ANNOTATIONS_ANNOTATION] = nextAnnotations || null;
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return undefined;
  return { metadata: { ...(Object.keys(labels).length ? { labels } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) } };
}

/**
 * A key the virtual pod owns that the host pod shows with another value (or not at all): something on the
 * host changed it, and the virtual value must win (a sync converges it). Compared: the labels and
 * annotations translation gives the host pod (namespace-label mirrors aside: sync reads the namespace).
 */
export function virtualKeysDrifted(hostPod: V1Pod, virtualPod: V1Pod, vcluster: string): boolean {
  const own = withoutHostOwned(virtualPod).metadata ?? {};
  const host = hostPod.metadata ?? {};
  const wantLabels = hostLabels(own.labels, own.namespace ?? '', vcluster);
  const wantAnnotations = hostAnnotations(own, 'Pod', { name: host.name ?? '', namespace: host.namespace ?? '' }, vcluster);
  const differs = (want: Record<string, string>, have: Record<string, string> | undefined) => Object.entries(want).some(([k, v]) => (have ?? {})[k] !== v);
  return differs(wantLabels, host.labels) || differs(wantAnnotations, host.annotations);
}
