import type { V1Affinity, V1LabelSelector, V1PodAffinityTerm, V1PodSpec, V1TopologySpreadConstraint } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, NAMESPACE_LABEL, hostLabelKey, namespaceLabelKey } from './provenance.js';
import { hostLabelSelector } from './translate-metadata.js';

// Pod (anti-)affinity and topology spread, translated so they still select the same virtual pods once
// every pod shares one host namespace (vCluster's translatePodAffinityTerm, single-namespace mode).
// Node affinity, nodeSelector and tolerations pass through: node names and labels are real host values.

function withMatchLabels(selector: V1LabelSelector, extra: Record<string, string>): V1LabelSelector {
  return { ...selector, matchLabels: { ...(selector.matchLabels ?? {}), ...extra } };
}

function namespaceSelectorAsPodSelector(selector: V1LabelSelector, vcluster: string): V1LabelSelector {
  const out: V1LabelSelector = {};
  if (selector.matchLabels) {
    out.matchLabels = Object.fromEntries(Object.entries(selector.matchLabels).map(([k, v]) => [namespaceLabelKey(k, vcluster), v]));
  }
  if (selector.matchExpressions) {
    out.matchExpressions = selector.matchExpressions.map((e) => ({ ...e, key: namespaceLabelKey(e.key, vcluster) }));
  }
  return out;
}

function isEmptySelector(selector: V1LabelSelector | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}

/**
 * namespaces: [...] becomes `vcluster.loft.sh/namespace In [...]`; a namespaceSelector becomes ns-label
 * keys (ignored, as in vCluster, when namespaces is also set); neither means the pod's own namespace.
 * managed-by is always added so host pods of other tenants never match. A nil labelSelector stays nil.
 */
export function hostPodAffinityTerm(term: V1PodAffinityTerm, podNamespace: string, vcluster: string): V1PodAffinityTerm {
  const { namespaces, namespaceSelector, labelSelector, ...rest } = term;
  const out: V1PodAffinityTerm = { ...rest };
  if (term.matchLabelKeys) out.matchLabelKeys = term.matchLabelKeys.map((k) => hostLabelKey(k, vcluster));
  if (term.mismatchLabelKeys) out.mismatchLabelKeys = term.mismatchLabelKeys.map((k) => hostLabelKey(k, vcluster));
  const translated = hostLabelSelector(labelSelector, vcluster);
  if (!translated) return out;
  let selector = translated;
  if (namespaces && namespaces.length > 0) {
    selector = { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), { key: NAMESPACE_LABEL, operator: 'In', values: [...namespaces] }] };
  } else if (namespaceSelector) {
    if (!isEmptySelector(namespaceSelector)) {
      const nsSel = namespaceSelectorAsPodSelector(namespaceSelector, vcluster);
      selector = {
        ...selector,
        ...(nsSel.matchLabels || selector.matchLabels ? { matchLabels: { ...(selector.matchLabels ?? {}), ...(nsSel.matchLabels ?? {}) } } : {}),
        ...(nsSel.matchExpressions || selector.matchExpressions ? { matchExpressions: [...(selector.matchExpressions ?? []), ...(nsSel.matchExpressions ?? [])] } : {}),
      };
    }
  } else {
    selector = withMatchLabels(selector, { [NAMESPACE_LABEL]: podNamespace });
  }
  out.labelSelector = withMatchLabels(selector, { [MANAGED_BY_LABEL]: vcluster });
  return out;
}

export function hostAffinity(affinity: V1Affinity | undefined, podNamespace: string, vcluster: string): V1Affinity | undefined {
  if (!affinity) return undefined;
  const terms = (list: V1PodAffinityTerm[] | undefined) => list?.map((t) => hostPodAffinityTerm(t, podNamespace, vcluster));
  const out: V1Affinity = { ...affinity };
  for (const key of ['podAffinity', 'podAntiAffinity'] as const) {
    const a = affinity[key];
    if (!a) continue;
    out[key] = {
      ...a,
      ...(a.requiredDuringSchedulingIgnoredDuringExecution ? { requiredDuringSchedulingIgnoredDuringExecution: terms(a.requiredDuringSchedulingIgnoredDuringExecution) } : {}),
      ...(a.preferredDuringSchedulingIgnoredDuringExecution ? {
        preferredDuringSchedulingIgnoredDuringExecution: a.preferredDuringSchedulingIgnoredDuringExecution.map((w) => ({
          ...w, podAffinityTerm: hostPodAffinityTerm(w.podAffinityTerm, podNamespace, vcluster),
        })),
      } : {}),
    };
  }
  return out;
}

export function hostTopologySpread(list: V1TopologySpreadConstraint[] | undefined, podNamespace: string, vcluster: string): V1TopologySpreadConstraint[] | undefined {
  return list?.map((c) => {
    const out: V1TopologySpreadConstraint = { ...c };
    const selector = hostLabelSelector(c.labelSelector, vcluster);
    if (selector) out.labelSelector = withMatchLabels(selector, { [NAMESPACE_LABEL]: podNamespace, [MANAGED_BY_LABEL]: vcluster });
    if (c.matchLabelKeys) out.matchLabelKeys = c.matchLabelKeys.map((k) => hostLabelKey(k, vcluster));
    return out;
  });
}

/** Applies the scheduling translation to a spec in place; priority classes are not synced, so they go. */
export function translateScheduling(spec: V1PodSpec, podNamespace: string, vcluster: string): void {
  const affinity = hostAffinity(spec.affinity, podNamespace, vcluster);
  if (affinity) spec.affinity = affinity;
  const spread = hostTopologySpread(spec.topologySpreadConstraints, podNamespace, vcluster);
  if (spread) spec.topologySpreadConstraints = spread;
  delete spec.priorityClassName;
  delete spec.priority;
  delete spec.nodeName;
}
