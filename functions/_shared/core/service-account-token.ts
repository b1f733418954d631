import type { V1ObjectMeta, V1Pod, V1PodSpec, V1Secret, V1VolumeProjection } from '@kubernetes/client-node';
import { hostObjectName, sha256Hex } from './names.js';
import type { OwnerWanted } from './ownership.js';
import { SA_TOKEN_ANNOTATION_PREFIX } from './provenance.js';
import { hostAnnotations, hostLabels } from './translate-metadata.js';

// What happens to the virtual service account token on the host (vCluster: pods/translate/translator.go and
// pods/token/sa_token_secret.go). The host never mounts its own SA token (automountServiceAccountToken=false,
// done in translate-pod). For the virtual token there are two modes:
// - 'secret' (default; vCluster's useSecretsForSATokens layout, where vCluster's own default puts the same
//   token in a host-pod annotation, which any reader of the host pod could see): each serviceAccountToken source
//   becomes an item of the host Secret `hostObjectName(<pod>-sa-token)`, keyed by volume name; the worker
//   (functions/worker/service-account-tokens.ts) fills that Secret from `serviceAccountTokenRequests`
//   (TokenRequest against the virtual API server) before the host pod is created, and renews it. The
//   kube-api-access volume's other sources stay: ca.crt from the copy of the virtual kube-root-ca.crt, the
//   namespace through the downward API, so the mount holds token, ca.crt and namespace as on a real node.
// - 'annotation' (vCluster's own default): each serviceAccountToken source becomes a downward API item
//   reading the host pod's annotation `vcluster.loft.sh/token-<key>`, which the worker sets on the host pod
//   it creates (one API call, no Secret) and patches when it renews. Any reader of the host pod can read it.
// - 'remove': the admission-injected `kube-api-access-*` volume and its mounts are removed, and any other
//   projected serviceAccountToken source is dropped. The pod runs without API credentials.

export type ServiceAccountTokenMode = 'remove' | 'secret' | 'annotation';

export const SERVICE_ACCOUNT_TOKEN_MODES: readonly ServiceAccountTokenMode[] = ['secret', 'annotation', 'remove'];

export const DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE: ServiceAccountTokenMode = 'secret';

export type TokenRequestPlan = {
  secretName: string;
  key: string;
  serviceAccountName: string;
  /** Empty: the API server's own audiences, as the kubelet asks when the projection names none. */
  audiences: string[];
  expirationSeconds: number;
};

/** When podferry next renews the tokens of a token secret, or of a host pod in 'annotation' mode (RFC 3339); never the token itself. */
export const TOKEN_REFRESH_AT_ANNOTATION = 'podferry.dev/token-refresh-at';

const INJECTED_VOLUME_PREFIX = 'kube-api-access-';
/** ServiceAccountTokenProjection.expirationSeconds when the pod names none (core/v1 API default). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

export const TOKEN_SECRET_SUFFIX = '-sa-token';

/** The virtual "name" a pod's token secret is translated from (vCluster's `<pod>-sa-token`). */
export function tokenSecretVirtualName(podName: string): string {
  return `${podName}${TOKEN_SECRET_SUFFIX}`;
}

export function tokenSecretName(virtualPod: V1Pod, vcluster: string): string {
  return hostObjectName(tokenSecretVirtualName(virtualPod.metadata?.name ?? ''), virtualPod.metadata?.namespace ?? '', vcluster);
}

/**
 * The Secret key of a token source: the volume's name, or `<volume>.<n>` when one volume projects several
 * tokens ('.' cannot occur in a volume name, so no key can collide with another volume's).
 */
function tokenKeys(sources: readonly V1VolumeProjection[], volumeName: string): Array<string | undefined> {
  const count = sources.filter((s) => s.serviceAccountToken).length;
  let n = 0;
  return sources.map((s) => (s.serviceAccountToken ? (count === 1 ? volumeName : `${volumeName}.${n++}`) : undefined));
}

/** An annotation's name part holds at most 63 characters: a longer key is shortened to a digest. */
const MAX_ANNOTATION_NAME = 63;

/** The host pod annotation that holds the token of `key` in 'annotation' mode. */
export function tokenAnnotation(key: string): string {
  const name = `${SA_TOKEN_ANNOTATION_PREFIX.slice(SA_TOKEN_ANNOTATION_PREFIX.indexOf('/') + 1)}${key}`;
  if (name.length <= MAX_ANNOTATION_NAME) return `${SA_TOKEN_ANNOTATION_PREFIX}${key}`;
  return `${SA_TOKEN_ANNOTATION_PREFIX}${sha256Hex(key).slice(0, 32)}`;
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
      const keys = tokenKeys(sources, volume.name);
      volume.projected!.sources = sources.map((s, i) => s.serviceAccountToken
        ? { secret: { name: secretName, items: [{ key: keys[i]!, path: s.serviceAccountToken.path }] } }
        : s);
      continue;
    }
    if (mode === 'annotation') {
      const keys = tokenKeys(sources, volume.name);
      volume.projected!.sources = sources.map((s, i) => s.serviceAccountToken
        ? { downwardAPI: { items: [{ path: s.serviceAccountToken.path, fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${tokenAnnotation(keys[i]!)}']` } }] } }
        : s);
      continue;
    }
    const rest = sources.filter((s) => !s.serviceAccountToken);
    if (volume.name.startsWith(INJECTED_VOLUME_PREFIX) || rest.length === 0) gone.add(volume.name);
    else volume.projected!.sources = rest;
  }
  removeVolumes(spec, gone);
}

/**
 * In 'secret' and 'annotation' mode, the tokens the adapter must request from the virtual API server, one per token source,
 * with the audience and lifetime the projection asks for (as the kubelet would request them).
 */
export function serviceAccountTokenRequests(virtualPod: V1Pod, vcluster: string): TokenRequestPlan[] {
  const spec = virtualPod.spec;
  const serviceAccountName = spec?.serviceAccountName || spec?.serviceAccount || 'default';
  const out: TokenRequestPlan[] = [];
  for (const volume of spec?.volumes ?? []) {
    const sources = volume.projected?.sources ?? [];
    const keys = tokenKeys(sources, volume.name);
    sources.forEach((s, i) => {
      if (!s.serviceAccountToken) return;
      out.push({
        secretName: tokenSecretName(virtualPod, vcluster),
        key: keys[i]!,
        serviceAccountName,
        audiences: s.serviceAccountToken.audience ? [s.serviceAccountToken.audience] : [],
        expirationSeconds: s.serviceAccountToken.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS,
      });
    });
  }
  return out;
}

export type TokenSecretContext = { vcluster: string; hostNamespace: string };

/**
 * Provenance of a token secret: it is the pod's, not a copy of a virtual Secret, so its kind is
 * TokenRequest. A virtual Secret named `<pod>-sa-token` has the same host name, and the ownership check
 * keeps either from overwriting (or deleting) the other.
 */
export function tokenSecretOwner(pod: { namespace: string; name: string }, ctx: TokenSecretContext): OwnerWanted {
  return { kind: 'TokenRequest', vcluster: ctx.vcluster, hostNamespace: ctx.hostNamespace, namespace: pod.namespace, name: tokenSecretVirtualName(pod.name) };
}

/** One issued token, as the TokenRequest answered: the token stays in memory and in the Secret only. */
export type IssuedToken = { key: string; token: string };

/**
 * The host Secret holding the pod's tokens (Opaque: no host token controller acts on it), with the
 * provenance of the virtual pod (its uid included) and the time podferry renews them.
 */
export function tokenSecret(virtualPod: V1Pod, ctx: TokenSecretContext, tokens: readonly IssuedToken[], refreshAt: Date): V1Secret {
  const meta = virtualPod.metadata ?? {};
  const namespace = meta.namespace ?? '';
  const virtualMeta: V1ObjectMeta = { name: tokenSecretVirtualName(meta.name ?? ''), namespace, ...(meta.uid ? { uid: meta.uid } : {}) };
  const name = tokenSecretName(virtualPod, ctx.vcluster);
  const annotations = hostAnnotations(virtualMeta, 'TokenRequest', { name, namespace: ctx.hostNamespace }, ctx.vcluster);
  annotations[TOKEN_REFRESH_AT_ANNOTATION] = refreshAt.toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ctx.hostNamespace, labels: hostLabels(undefined, namespace, ctx.vcluster), annotations },
    type: 'Opaque',
    data: Object.fromEntries(tokens.map((t) => [t.key, Buffer.from(t.token, 'utf8').toString('base64')])),
  };
}

/** 'annotation' mode: the host pod annotations holding the pod's tokens and the time podferry renews them. */
export function tokenAnnotations(tokens: readonly IssuedToken[], refreshAt: Date): Record<string, string> {
  return { ...Object.fromEntries(tokens.map((t) => [tokenAnnotation(t.key), t.token])), [TOKEN_REFRESH_AT_ANNOTATION]: refreshAt.toISOString() };
}

/** Why a pod's token secret cannot be written, in virtual terms (a SyncError never names a host object). */
export function tokenSecretConflict(pod: { namespace: string; name: string }): string {
  return `the host name of this pod's service account token secret is taken by an object podferry does not manage for this pod (a Secret named "${tokenSecretVirtualName(pod.name)}" in namespace ${pod.namespace} would have the same host name); rename that Secret or the pod, or ask the host cluster's administrator about the name`;
}
