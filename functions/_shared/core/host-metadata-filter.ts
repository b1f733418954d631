// Which tenant labels and annotations may reach a host object. Host components read pod metadata as
// instructions (an IAM role, an extra network, a sidecar opt-out, a node pinned forever), so a key they act
// on is dropped, and keys in podferry's own prefixes are never taken from the tenant: provenance would lie.
// Sources for each key: the documentation of the component that reads it (kube2iam, Azure Workload Identity,
// Multus, Calico, Cilium, Istio, Linkerd, Vault, cluster-autoscaler, Karpenter) and the runtimes' own docs
// (CRI-O and Kata read pod annotations for devices and sandbox settings; CDI injects devices by annotation).

/** Prefixes podferry and vCluster write themselves; the 4 translated label keys are rewritten, not copied. */
export const RESERVED_PREFIXES: readonly string[] = Object.freeze(['vcluster.loft.sh/', 'podferry.dev/']);

/** A pattern is an exact key, or a prefix ending in `*` (`sidecar.istio.io/*`, `kubernetes.io/config.*`). */
export const DEFAULT_ANNOTATION_DENY: readonly string[] = Object.freeze([
  // cloud identity handed out by node agents and webhooks
  'iam.amazonaws.com/*', 'eks.amazonaws.com/*', 'azure.workload.identity/*', 'iam.gke.io/*',
  // extra networks, fixed IPs and IP pools
  'k8s.v1.cni.cncf.io/*', 'v1.multus-cni.io/*', 'cni.projectcalico.org/*', 'ipam.cilium.io/*',
  'kubernetes.io/ingress-bandwidth', 'kubernetes.io/egress-bandwidth',
  // service-mesh and secret-agent injection (opt-outs bypass the host's mTLS and egress policy)
  'sidecar.istio.io/*', 'traffic.sidecar.istio.io/*', 'proxy.istio.io/*', 'istio.io/*', 'ambient.istio.io/*',
  'linkerd.io/*', 'config.linkerd.io/*', 'config.alpha.linkerd.io/*', 'kuma.io/*', 'consul.hashicorp.com/*',
  'vault.hashicorp.com/*', 'dapr.io/*', 'appmesh.k8s.aws/*', 'gke-gcsfuse/*',
  // node agents that run checks with their own credentials
  'ad.datadoghq.com/*',
  // autoscaling and disruption: a tenant must not pin host nodes (podferry sets safe-to-evict itself)
  'cluster-autoscaler.kubernetes.io/*', 'karpenter.sh/*', 'descheduler.alpha.kubernetes.io/*',
  // security profiles and scheduling marks read by the kubelet and the scheduler
  'container.apparmor.security.beta.kubernetes.io/*', 'seccomp.security.alpha.kubernetes.io/*',
  'container.seccomp.security.alpha.kubernetes.io/*', 'scheduler.alpha.kubernetes.io/*', 'kubernetes.io/config.*',
  // container runtimes: devices, user namespaces, cgroups, sandbox configuration
  'io.kubernetes.cri-o.*', 'io.kubernetes.cri.*', 'io.containerd.*', 'io.katacontainers.*', 'cdi.k8s.io/*', 'run.oci.*',
  // a service-account token secret's binding (a host token controller would fill it)
  'kubernetes.io/service-account.*',
  // volume binding state the PV controller trusts (on the claims an ephemeral volume creates)
  'pv.kubernetes.io/*', 'volume.kubernetes.io/*', 'volume.beta.kubernetes.io/*',
]);

export const DEFAULT_LABEL_DENY: readonly string[] = Object.freeze([
  'azure.workload.identity/use', 'aadpodidbinding',
  'sidecar.istio.io/inject', 'istio.io/rev', 'istio.io/dataplane-mode', 'istio.io/use-waypoint', 'istio-injection',
  'kuma.io/sidecar-injection', 'linkerd.io/*',
]);

export interface MetadataFilter {
  labelDeny: readonly string[];
  annotationDeny: readonly string[];
}

export const DEFAULT_METADATA_FILTER: Readonly<MetadataFilter> = Object.freeze({ labelDeny: DEFAULT_LABEL_DENY, annotationDeny: DEFAULT_ANNOTATION_DENY });

const KEY_PATTERN = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function patterns(env: string | undefined, what: string): string[] {
  const out: string[] = [];
  for (const item of (env ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const body = item.endsWith('*') ? item.slice(0, -1) : item;
    // A prefix may end in '/' or '.', which a key cannot; check it with a placeholder name.
    const probe = /[/.]$/.test(body) ? `${body}x` : body;
    if (body === '' || !KEY_PATTERN.test(probe)) throw new Error(`${what} entry "${item}" is not a label/annotation key or a prefix ending in "*"`);
    out.push(item);
  }
  return out;
}

/** HOST_LABEL_DENY / HOST_ANNOTATION_DENY extend the defaults; they never replace them. */
export function parseMetadataFilter(input: { labelDeny?: string; annotationDeny?: string } = {}): MetadataFilter {
  return {
    labelDeny: [...DEFAULT_LABEL_DENY, ...patterns(input.labelDeny, 'HOST_LABEL_DENY')],
    annotationDeny: [...DEFAULT_ANNOTATION_DENY, ...patterns(input.annotationDeny, 'HOST_ANNOTATION_DENY')],
  };
}

export function matchesKeyPattern(key: string, pattern: string): boolean {
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
}

export function isReservedKey(key: string): boolean {
  return RESERVED_PREFIXES.some((p) => key.startsWith(p));
}

/** A tenant annotation reaches the host unless it is reserved or on the deny list. */
export function isTenantAnnotationAllowed(key: string, filter: MetadataFilter = DEFAULT_METADATA_FILTER): boolean {
  return !isReservedKey(key) && !filter.annotationDeny.some((p) => matchesKeyPattern(key, p));
}

/** A tenant label reaches the host unless it is on the deny list; reserved keys are handled by the caller. */
export function isTenantLabelAllowed(key: string, filter: MetadataFilter = DEFAULT_METADATA_FILTER): boolean {
  return !filter.labelDeny.some((p) => matchesKeyPattern(key, p));
}
