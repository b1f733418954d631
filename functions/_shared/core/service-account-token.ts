import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { hostObjectName } from './names.js';

// What happens to the virtual service account token on the host (facts 3.1). The host never mounts its
// own SA token (automountServiceAccountToken=false, done in translate-pod). For the virtual token there are
// two modes:
// - 'remove' (default): the admission-injected `kube-api-access-*` volume and its mounts are removed, and
//   any other projected serviceAccountToken source is dropped. The pod runs without API credentials: a
//   pure core cannot call TokenRequest, and a token that no adapter fills would leave the pod stuck in
//   ContainerCreating.
// - 'secret': vCluster's useSecretsForSATokens=true layout. Each serviceAccountToken source becomes an item
//   of the host Secret `hostObjectName(<pod>-sa-token)`, keyed by volume name; the adapter creates that
//   Secret from `serviceAccountTokenRequests` (TokenRequest against the virtual API server) before the pod.

export type ServiceAccountTokenMode = 'remove' | 'secret';

export type TokenRequestPlan = {
  secretName: string;
  key: string;
  serviceAccountName: string;
  audiences: string[];
  expirationSeconds: number;
};

const INJECTED_VOLUME_PREFIX = 'kube-api-access-';
const TEN_YEARS_SECONDS = 10 * 365 * 24 * 60 * 60;

export function tokenSecretName(virtualPod: V1Pod, vcluster: string): string {
  return hostObjectName(`${virtualPod.metadata?.name ?? ''}-sa-token`, virtualPod.metadata?.namespace ?? '', vcluster);
}

function removeVolumes(spec: V1PodSpec, names: Set<string>): void {
  if (names.size === 0) return;
  spec.volumes = spec.volumes?.filter((v) => !names.has(v.name));
  for (const c of [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])]) {
    if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((m) => !names.has(m.name));
  }
}

/** Applies the chosen mode to a (copied) spec in place. */
export function translateServiceAccountToken(spec: V1PodSpec, virtualPod: V1Pod, vcluster: string, mode: ServiceAccountTokenMode): void {
  const gone = new Set<string>();
  for (const volume of spec.volumes ?? []) {
    const sources = volume.projected?.sources;
    if (!sources || !sources.some((s) => s.serviceAccountToken)) continue;
    if (mode === 'secret') {
      const secretName = tokenSecretName(virtualPod, vcluster);
      volume.projected!.sources = sources.map((s) => s.serviceAccountToken
        ? { secret: { name: secretName, items: [{ key: volume.name, path: s.serviceAccountToken.path }] } }
        : s);
      continue;
    }
    const rest = sources.filter((s) => !s.serviceAccountToken);
    if (volume.name.startsWith(INJECTED_VOLUME_PREFIX) || rest.length === 0) gone.add(volume.name);
    else volume.projected!.sources = rest;
  }
  removeVolumes(spec, gone);
}

/** In 'secret' mode, the tokens the adapter must request from the virtual API server, one per volume. */
export function serviceAccountTokenRequests(virtualPod: V1Pod, vcluster: string, clusterDomain = 'cluster.local'): TokenRequestPlan[] {
  const spec = virtualPod.spec;
  const serviceAccountName = spec?.serviceAccountName || spec?.serviceAccount || 'default';
  const out: TokenRequestPlan[] = [];
  for (const volume of spec?.volumes ?? []) {
    for (const s of volume.projected?.sources ?? []) {
      if (!s.serviceAccountToken) continue;
      out.push({
        secretName: tokenSecretName(virtualPod, vcluster),
        key: volume.name,
        serviceAccountName,
        audiences: s.serviceAccountToken.audience
          ? [s.serviceAccountToken.audience]
          : [`https://kubernetes.default.svc.${clusterDomain}`, 'https://kubernetes.default.svc', 'https://kubernetes.default'],
        expirationSeconds: TEN_YEARS_SECONDS,
      });
    }
  }
  return out;
}
