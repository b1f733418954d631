import type { V1ObjectMeta, V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { checkOwnership } from './ownership.js';
import { KIND_VALUES, OBJECT_KIND_ANNOTATION, OBJECT_NAME_ANNOTATION, OBJECT_NAMESPACE_ANNOTATION, OBJECT_UID_ANNOTATION, POD_NAME_ANNOTATION, POD_NAMESPACE_ANNOTATION, isManagedHostPod } from './provenance.js';
import { TOKEN_REFRESH_AT_ANNOTATION, TOKEN_SECRET_SUFFIX, tokenSecretName, tokenSecretOwner, type TokenSecretContext } from './service-account-token.js';

// When and how a pod's token secret is renewed. The kubelet rotates a projected token once it is older
// than 80 % of its lifetime or older than 24 hours (ServiceAccountTokenProjection.expirationSeconds, core/v1
// API reference); podferry does the same for the tokens it requested, with the fraction configurable.
// The refresh job (functions/worker/service-account-tokens.ts) plans from what it reads, like sync: the
// virtual pod, the host pod and the token secret, so a late, duplicate or lost job changes nothing.

export const DEFAULT_TOKEN_REFRESH_FRACTION = 0.8;
const MAX_TOKEN_AGE_MS = 24 * 3600 * 1000;
/** Never sooner than this after issuing: a tiny fraction or a past expiry must not turn into a busy loop. */
export const MIN_TOKEN_REFRESH_DELAY_MS = 1000;
/** How long a token secret waits for its host pod before the job looks again (sync normally comes first). */
export const TOKEN_SECRET_WAIT_MS = 10 * 60 * 1000;

/** When a token issued at `issuedAt` and valid until `expiresAt` is renewed. */
export function tokenRefreshAt(issuedAt: Date, expiresAt: Date, fraction = DEFAULT_TOKEN_REFRESH_FRACTION): Date {
  const ttl = expiresAt.getTime() - issuedAt.getTime();
  const after = Math.max(MIN_TOKEN_REFRESH_DELAY_MS, Math.min(Math.floor(ttl * fraction), MAX_TOKEN_AGE_MS));
  return new Date(issuedAt.getTime() + after);
}

/** The refresh time a token secret records, or undefined when it has none (or an unreadable one). */
export function recordedRefreshAt(meta: V1ObjectMeta | undefined): Date | undefined {
  const v = meta?.annotations?.[TOKEN_REFRESH_AT_ANNOTATION];
  const ms = v === undefined ? NaN : Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export function hostPodOwnerReference(hostPod: V1Pod): V1OwnerReference {
  return { apiVersion: 'v1', kind: 'Pod', name: hostPod.metadata!.name!, uid: hostPod.metadata!.uid! };
}

function ownedBy(meta: V1ObjectMeta, hostPod: V1Pod): boolean {
  return (meta.ownerReferences ?? []).some((r) => r.kind === 'Pod' && r.uid === hostPod.metadata?.uid);
}

function mounts(hostPod: V1Pod, secretName: string): boolean {
  return (hostPod.spec?.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.secret?.name === secretName) || v.secret?.secretName === secretName);
}

export type TokenRefreshPlan =
  /** Request the tokens again and write the secret (created when missing), owned by the host pod. */
  | { type: 'renew'; hostPod: V1Pod; reason: string }
  /** The tokens are still good; the host pod becomes the secret's owner (so host GC removes it). */
  | { type: 'adopt'; hostPod: V1Pod; next?: Date; reason: string }
  /** Nothing to write now; look again at `at`. */
  | { type: 'wait'; at: Date; reason: string }
  /** Neither the virtual pod nor a host pod holds the secret any more: it goes (at the version read). */
  | { type: 'delete'; uid?: string; resourceVersion?: string; reason: string }
  | { type: 'nothing'; reason: string };

export interface TokenRefreshInput {
  pod: { namespace: string; name: string };
  virtualPod?: V1Pod;
  hostPod?: V1Pod;
  /** The token secret's metadata, as read (data is not needed to plan). */
  secret?: V1ObjectMeta;
  now: Date;
  ctx: TokenSecretContext;
}

export function planTokenRefresh(input: TokenRefreshInput): TokenRefreshPlan {
  const { virtualPod, secret, now, ctx } = input;
  const virtualUid = virtualPod && !virtualPod.metadata?.deletionTimestamp ? virtualPod.metadata?.uid : undefined;
  // The host pod counts only if it is provably podferry's, for this virtual pod.
  const hostPod = input.hostPod && isManagedHostPod(input.hostPod, ctx.vcluster, ctx.hostNamespace) ? input.hostPod : undefined;
  const hostUid = hostPod?.metadata?.annotations?.[OBJECT_UID_ANNOTATION];
  const secretName = tokenSecretName({ metadata: input.pod }, ctx.vcluster);

  if (!secret) {
    if (hostPod && virtualUid && hostUid === virtualUid && mounts(hostPod, secretName)) {
      return { type: 'renew', hostPod, reason: 'the host pod mounts a token secret that is missing' };
    }
    return { type: 'nothing', reason: 'no token secret' };
  }
  const ownership = checkOwnership(secret, tokenSecretOwner(input.pod, ctx));
  if (!ownership.owned) return { type: 'nothing', reason: `not ours: ${ownership.conflict}` };
  const secretUid = secret.annotations?.[OBJECT_UID_ANNOTATION];
  const refreshAt = recordedRefreshAt(secret);

  if (hostPod && hostUid === secretUid) {
    const adopt = !ownedBy(secret, hostPod);
    if (virtualUid !== secretUid) {
      // The virtual pod is gone, being deleted or replaced: its tokens cannot be renewed, and the host pod goes soon.
      return adopt ? { type: 'adopt', hostPod, reason: 'the virtual pod is going; the host pod takes the secret along' } : { type: 'nothing', reason: 'the virtual pod is going; host garbage collection removes the secret with the host pod' };
    }
    if (!refreshAt || now.getTime() >= refreshAt.getTime()) return { type: 'renew', hostPod, reason: refreshAt ? 'the tokens are due for renewal' : 'the secret records no renewal time' };
    if (adopt) return { type: 'adopt', hostPod, next: refreshAt, reason: 'the host pod does not own the secret yet' };
    return { type: 'wait', at: refreshAt, reason: 'the tokens are not due yet' };
  }
  if (virtualUid && virtualUid === secretUid) {
    // Written for this virtual pod, whose host pod sync is (or will be) creating: look again later.
    const later = new Date(now.getTime() + TOKEN_SECRET_WAIT_MS);
    return { type: 'wait', at: refreshAt && refreshAt > now ? refreshAt : later, reason: 'the host pod does not exist yet' };
  }
  return {
    type: 'delete', reason: 'neither the virtual pod nor a host pod holds the token secret any more',
    ...(secret.uid ? { uid: secret.uid } : {}), ...(secret.resourceVersion ? { resourceVersion: secret.resourceVersion } : {}),
  };
}

/**
 * For the resync's safety net: the pod whose token secret (listed metadata) is podferry's and past its
 * renewal time, which means its renewal job was lost (a job that failed for good, a Redis without its data).
 */
export function overdueTokenSecretPod(meta: V1ObjectMeta, now: Date, ctx: TokenSecretContext): { namespace: string; name: string } | undefined {
  const a = meta.annotations ?? {};
  const virtualName = a[OBJECT_NAME_ANNOTATION] ?? '';
  const namespace = a[OBJECT_NAMESPACE_ANNOTATION];
  if (a[OBJECT_KIND_ANNOTATION] !== KIND_VALUES.TokenRequest || namespace === undefined || !virtualName.endsWith(TOKEN_SECRET_SUFFIX)) return undefined;
  const pod = { namespace, name: virtualName.slice(0, -TOKEN_SECRET_SUFFIX.length) };
  if (!checkOwnership(meta, tokenSecretOwner(pod, ctx)).owned) return undefined;
  const at = recordedRefreshAt(meta);
  return !at || at.getTime() <= now.getTime() ? pod : undefined;
}

export type AnnotationTokenRefreshPlan =
  /** Request the tokens again and patch them into the host pod's annotations. */
  | { type: 'renew'; hostPod: V1Pod; reason: string }
  | { type: 'wait'; at: Date; reason: string }
  | { type: 'nothing'; reason: string };

/**
 * 'annotation' mode: the tokens live in the host pod's annotations, so they go with it and there is nothing to
 * adopt or delete. Renewed when due, for the host pod provably podferry's for this very virtual pod only.
 */
export function planAnnotationTokenRefresh(input: { virtualPod?: V1Pod; hostPod?: V1Pod; now: Date; ctx: TokenSecretContext }): AnnotationTokenRefreshPlan {
  const { virtualPod, now, ctx } = input;
  const virtualUid = virtualPod && !virtualPod.metadata?.deletionTimestamp ? virtualPod.metadata?.uid : undefined;
  if (!virtualUid) return { type: 'nothing', reason: 'the virtual pod is gone or going: its tokens go with its host pod' };
  const hostPod = input.hostPod && isManagedHostPod(input.hostPod, ctx.vcluster, ctx.hostNamespace) ? input.hostPod : undefined;
  if (!hostPod) return { type: 'wait', at: new Date(now.getTime() + TOKEN_SECRET_WAIT_MS), reason: 'the host pod does not exist yet' };
  if (hostPod.metadata?.annotations?.[OBJECT_UID_ANNOTATION] !== virtualUid) return { type: 'nothing', reason: 'the host pod belongs to an earlier virtual pod of that name' };
  if (hostPod.metadata?.deletionTimestamp) return { type: 'nothing', reason: 'the host pod is being deleted' };
  const refreshAt = recordedRefreshAt(hostPod.metadata);
  if (!refreshAt || now.getTime() >= refreshAt.getTime()) return { type: 'renew', hostPod, reason: refreshAt ? 'the tokens are due for renewal' : 'the host pod records no renewal time' };
  return { type: 'wait', at: refreshAt, reason: 'the tokens are not due yet' };
}

/**
 * The resync's safety net in 'annotation' mode: the virtual pod whose host pod (podferry's) holds tokens past
 * their renewal time, which means the renewal job was lost.
 */
export function overdueTokenAnnotationsPod(hostPod: V1Pod, now: Date, ctx: TokenSecretContext): { namespace: string; name: string } | undefined {
  const at = recordedRefreshAt(hostPod.metadata);
  if (!at || at.getTime() > now.getTime() || !isManagedHostPod(hostPod, ctx.vcluster, ctx.hostNamespace)) return undefined;
  const a = hostPod.metadata?.annotations ?? {};
  const name = a[POD_NAME_ANNOTATION];
  const namespace = a[POD_NAMESPACE_ANNOTATION];
  return name && namespace ? { namespace, name } : undefined;
}
