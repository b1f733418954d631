import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { pointAtVirtualApi } from './kube-api-env.js';
import { hostPodName, podHostname } from './names.js';
import {
  OWNER_REFERENCES_ANNOTATION, OWNER_SET_KIND_ANNOTATION, POD_LABELS_ANNOTATION, POD_NAME_ANNOTATION,
  POD_NAMESPACE_ANNOTATION, POD_UID_ANNOTATION, SAFE_TO_EVICT_ANNOTATION, SERVICE_ACCOUNT_NAME_ANNOTATION,
} from './provenance.js';
import { rewriteFieldRefs, rewriteReferences } from './pod-references.js';
import { translateScheduling } from './pod-scheduling.js';
import { DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE, translateServiceAccountToken, type ServiceAccountTokenMode } from './service-account-token.js';
import { isReservedKey, isTenantAnnotationAllowed, isTenantLabelAllowed, type MetadataFilter } from './host-metadata-filter.js';
import { withoutHostOwned } from './host-metadata.js';
import { hostAnnotations, hostLabels, labelsAnnotation } from './translate-metadata.js';
import type { StorageClassMap } from './translate-claim.js';

export { podDependencies } from './pod-references.js';
export { translateConfigMap, translateSecret } from './translate-objects.js';
export { serviceAccountTokenRequests } from './service-account-token.js';

export type TranslateContext = {
  /** The vcluster name: the managed-by value and the name suffix. */
  vcluster: string;
  /** The one host namespace every host object lives in. */
  hostNamespace: string;
  /** The host SA every host pod runs as; default `vc-workload-<vcluster>` like vCluster. */
  hostServiceAccount?: string;
  /** Labels of the virtual namespace, mirrored as ns-label keys so namespaceSelectors keep working. */
  namespaceLabels?: Record<string, string>;
  /** What becomes of the virtual SA token volume; see service-account-token.ts. Default 'secret'. */
  serviceAccountTokens?: ServiceAccountTokenMode;
  /** The virtual cluster's DNS service IP; when set, ClusterFirst pods resolve through it (facts 3.3). */
  dnsIP?: string;
  /** The virtual API server's address as host pods reach it; when set, KUBERNETES_* env and hostAliases (for an IP) point there. */
  kubeIP?: string;
  /** Its port (default 443, a Service's). */
  kubePort?: number;
  clusterDomain?: string;
  /**
   * Plan ephemeral containers (`kubectl debug`) onto the host pod. Off by default: the adapter must
   * apply `ephemeralContainersToAdd` through the pods/ephemeralcontainers subresource, otherwise the
   * plan would ask for the same addition forever.
   */
  syncEphemeralContainers?: boolean;
  /** Which tenant labels and annotations may reach host objects; default: the built-in deny lists. */
  metadataFilter?: MetadataFilter;
  /** A claim's storage class on the host (STORAGE_CLASS_MAP); a class it does not name keeps its name. */
  storageClasses?: StorageClassMap;
};

export function hostServiceAccountName(ctx: TranslateContext): string {
  return ctx.hostServiceAccount ?? `vc-workload-${ctx.vcluster}`;
}

const OWNER_SET_KINDS = new Set(['DaemonSet', 'ReplicaSet', 'StatefulSet']);

function podAnnotations(virtualPod: V1Pod, hostName: string, ctx: TranslateContext): Record<string, string> {
  const meta = virtualPod.metadata ?? {};
  const out = hostAnnotations(meta, 'Pod', { name: hostName, namespace: ctx.hostNamespace }, ctx.vcluster, ctx.metadataFilter);
  out[POD_NAME_ANNOTATION] = meta.name ?? '';
  out[POD_NAMESPACE_ANNOTATION] = meta.namespace ?? '';
  out[POD_UID_ANNOTATION] = meta.uid ?? '';
  out[SERVICE_ACCOUNT_NAME_ANNOTATION] = virtualPod.spec?.serviceAccountName ?? '';
  out[POD_LABELS_ANNOTATION] = labelsAnnotation(meta.labels);
  const owners = meta.ownerReferences ?? [];
  if (owners.length > 0) out[OWNER_REFERENCES_ANNOTATION] = JSON.stringify(owners);
  const setOwner = owners.find((o) => o.apiVersion === 'apps/v1' && OWNER_SET_KINDS.has(o.kind));
  if (setOwner) out[OWNER_SET_KIND_ANNOTATION] = setOwner.kind;
  if (out[SAFE_TO_EVICT_ANNOTATION] === undefined) out[SAFE_TO_EVICT_ANNOTATION] = String(owners.some((o) => o.controller));
  return out;
}

/** The claims an ephemeral volume makes are host objects too: their template metadata goes through the filter. */
function filterClaimTemplates(spec: V1PodSpec, filter: MetadataFilter | undefined): void {
  const keep = (m: Record<string, string> | undefined, allowed: (k: string) => boolean) =>
    m && Object.fromEntries(Object.entries(m).filter(([k]) => !isReservedKey(k) && allowed(k)));
  for (const volume of spec.volumes ?? []) {
    const meta = volume.ephemeral?.volumeClaimTemplate?.metadata;
    if (!meta) continue;
    if (meta.labels) meta.labels = keep(meta.labels, (k) => isTenantLabelAllowed(k, filter));
    if (meta.annotations) meta.annotations = keep(meta.annotations, (k) => isTenantAnnotationAllowed(k, filter));
  }
}

function translateDns(spec: V1PodSpec, virtualNamespace: string, ctx: TranslateContext): void {
  if (!ctx.dnsIP) return;
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  if (!((policy === 'ClusterFirst' && !spec.hostNetwork) || policy === 'ClusterFirstWithHostNet')) return;
  const domain = ctx.clusterDomain ?? 'cluster.local';
  const searches = [`${virtualNamespace}.svc.${domain}`, `svc.${domain}`, domain, ...(spec.dnsConfig?.searches ?? [])];
  spec.dnsPolicy = 'None';
  spec.dnsConfig = {
    nameservers: [ctx.dnsIP, ...(spec.dnsConfig?.nameservers ?? [])],
    searches: [...new Set(searches)],
    options: [{ name: 'ndots', value: '5' }],
  };
}

/**
 * The host pod for a virtual pod. Kept: containers (images, resources, probes, security context...),
 * volumes, nodeSelector, tolerations, node affinity, runtimeClassName, schedulerName, restartPolicy.
 * Rewritten: name, namespace, labels, annotations, configmap/secret references, downward API fieldRefs,
 * pod affinity and topology spread (pod-scheduling.ts), service account (the configured host SA, no
 * token automount, the virtual token per service-account-token.ts), hostname (the virtual pod name),
 * DNS (when ctx.dnsIP is known), KUBERNETES_* env and hostAliases (when ctx.kubeIP is known).
 * Dropped: server-set metadata, ownerReferences, finalizers, status, nodeName (the host scheduler places
 * the pod), priority class (not synced), subdomain (vCluster clears it too; the /etc/hosts rewrite init
 * container is not implemented), ephemeral containers (the API refuses them on create; converge adds
 * them through the subresource), enableServiceLinks (false: the host namespace's services are not the
 * virtual cluster's; the worker writes the virtual namespace's service link variables, service-links.ts).
 */
export function translatePod(input: V1Pod, ctx: TranslateContext): V1Pod {
  // Labels and annotations the virtual pod has from the host are the host's: never sent back as its own.
  const virtualPod = withoutHostOwned(input);
  const meta = virtualPod.metadata ?? {};
  const virtualNamespace = meta.namespace ?? '';
  const name = hostPodName(meta.name ?? '', virtualNamespace, ctx.vcluster);
  const spec: V1PodSpec = structuredClone(virtualPod.spec ?? { containers: [] });

  delete spec.serviceAccount;
  delete spec.ephemeralContainers;
  spec.serviceAccountName = hostServiceAccountName(ctx);
  spec.automountServiceAccountToken = false;
  spec.enableServiceLinks = false;
  rewriteReferences(spec, virtualNamespace, ctx.vcluster);
  rewriteFieldRefs(spec, ctx.vcluster);
  filterClaimTemplates(spec, ctx.metadataFilter);
  // After the reference rewrite: the token secret source already carries its host name.
  translateServiceAccountToken(spec, virtualPod, ctx.vcluster, ctx.serviceAccountTokens ?? DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE);
  translateScheduling(spec, virtualNamespace, ctx.vcluster);
  translateDns(spec, virtualNamespace, ctx);
  if (ctx.kubeIP) pointAtVirtualApi(spec, ctx.kubeIP, ctx.clusterDomain ?? 'cluster.local', ctx.kubePort);
  if (!spec.hostname) spec.hostname = podHostname(meta.name ?? '');
  delete spec.subdomain;

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ctx.hostNamespace,
      labels: hostLabels(meta.labels, virtualNamespace, ctx.vcluster, ctx.namespaceLabels, ctx.metadataFilter),
      annotations: podAnnotations(virtualPod, name, ctx),
    },
    spec,
  };
}

/** The host form of ephemeral containers (references and fieldRefs rewritten), for the subresource. */
export function translateEphemeralContainers(virtualPod: V1Pod, ctx: TranslateContext): NonNullable<V1PodSpec['ephemeralContainers']> {
  const list = structuredClone(virtualPod.spec?.ephemeralContainers ?? []);
  const spec: V1PodSpec = { containers: [], ephemeralContainers: list };
  rewriteReferences(spec, virtualPod.metadata?.namespace ?? '', ctx.vcluster);
  rewriteFieldRefs(spec, ctx.vcluster);
  return list;
}
