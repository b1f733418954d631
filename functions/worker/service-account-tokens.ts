// Pod identity: the virtual service account tokens a host pod mounts (core/service-account-token.ts).
// - Before sync creates a host pod, `prepareServiceAccountTokens` asks the virtual API server for each
//   token the virtual pod's projected volumes ask for (TokenRequest bound to the virtual pod) and writes
//   them to the host Secret the translated pod mounts; once the host pod exists the Secret gets an
//   ownerReference to it, so the host's garbage collector removes it with the pod.
// - A delayed `token` job per pod (kind ServiceAccountToken on the sync queue) renews the tokens after 80 %
//   of their lifetime, as the kubelet does, planning from what it reads (core/token-refresh.ts).
// In 'annotation' mode (vCluster's default) the tokens go into the host pod's annotations at its creation
// instead, and the renewal patches them there: no Secret, no extra host call per pod.
// Tokens live in memory and in that Secret (or those annotations) only: never in a job's data, log or result,
// never in a log line.
import type { Job } from 'bullmq';
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { parseObjectRef } from '../_shared/core/job-refs.js';
import { hostObjectName, hostPodName } from '../_shared/core/names.js';
import {
  DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE, serviceAccountTokenRequests, tokenAnnotations, tokenSecret, tokenSecretConflict, tokenSecretOwner,
  tokenSecretVirtualName, type IssuedToken,
} from '../_shared/core/service-account-token.js';
import { DEFAULT_TOKEN_REFRESH_FRACTION, hostPodOwnerReference, planAnnotationTokenRefresh, planTokenRefresh, tokenRefreshAt } from '../_shared/core/token-refresh.js';
import { readSecret, recreateOwnedSecret, replaceOwnedSecret } from '../_shared/kube/cluster-objects.js';
import { classifyKubeError, isConflict } from '../_shared/kube/kube-errors.js';
import { deleteCopy } from '../_shared/kube/object-copies.js';
import { patchPod, readPod } from '../_shared/kube/pods.js';
import { requestServiceAccountToken } from '../_shared/kube/service-account-tokens.js';
import { enqueueTokenRefresh, tokenRefreshRef } from '../_shared/queue/enqueue-token-refresh.js';
import type { WorkerDeps } from './worker-deps.js';

type Note = (msg: string, progress?: number) => Promise<unknown>;

const secretContext = (deps: WorkerDeps) => ({ vcluster: deps.cluster, hostNamespace: deps.hostNamespace });
const podOf = (p: V1Pod) => ({ namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '' });
const when = (d: Date) => d.toISOString();

/** Every token the pod's projected volumes ask for, and when the set is due for renewal (the earliest). */
async function issueTokens(virtualPod: V1Pod, deps: WorkerDeps): Promise<{ tokens: IssuedToken[]; refreshAt: Date } | undefined> {
  const plans = serviceAccountTokenRequests(virtualPod, deps.cluster);
  if (plans.length === 0) return undefined;
  const { namespace, name } = podOf(virtualPod);
  const boundPod = { name, uid: virtualPod.metadata?.uid ?? '' };
  const fraction = deps.tokenRefreshFraction ?? DEFAULT_TOKEN_REFRESH_FRACTION;
  const tokens: IssuedToken[] = [];
  let refreshAt: Date | undefined;
  for (const plan of plans) {
    const issuedAt = deps.now();
    const issued = await requestServiceAccountToken(deps.virtual, namespace, plan.serviceAccountName, { audiences: plan.audiences, expirationSeconds: plan.expirationSeconds, boundPod });
    tokens.push({ key: plan.key, token: issued.token });
    const at = tokenRefreshAt(issuedAt, issued.expirationTimestamp, fraction);
    if (!refreshAt || at < refreshAt) refreshAt = at;
  }
  return { tokens, refreshAt: refreshAt! };
}

function withOwner(secret: V1Secret, hostPod: V1Pod): V1Secret {
  return { ...secret, metadata: { ...secret.metadata, ownerReferences: [hostPodOwnerReference(hostPod)] } };
}

export type PreparedTokens =
  /** `annotations` ('annotation' mode): to set on the host pod at its creation, its only write. */
  | { owned: true; annotations?: Record<string, string>; adopt(hostPod: V1Pod): Promise<void> }
  | { owned: false; conflict: string };

const NO_TOKENS: PreparedTokens = { owned: true, adopt: async () => {} };

/**
 * Before the host pod is created: its token secret, fresh, and the renewal job. `adopt` then makes the
 * created host pod the secret's owner; if the secret changed meanwhile, the renewal job adopts it.
 */
export async function prepareServiceAccountTokens(virtualPod: V1Pod | undefined, deps: WorkerDeps, note: Note): Promise<PreparedTokens> {
  const mode = tokenMode(deps);
  if (!virtualPod || mode === 'remove') return NO_TOKENS;
  const issued = await issueTokens(virtualPod, deps);
  if (!issued) return NO_TOKENS;
  const pod = podOf(virtualPod);
  if (mode === 'annotation') {
    await enqueueTokenRefresh(deps.queues.sync, tokenRefreshRef(deps.cluster, { ...pod, uid: virtualPod.metadata?.uid }), issued.refreshAt, deps.now());
    await note(`${issued.tokens.length} service account token(s) for ${virtualPod.spec?.serviceAccountName || 'default'} in the host pod's annotations, renewed from ${when(issued.refreshAt)}`);
    return { owned: true, annotations: tokenAnnotations(issued.tokens, issued.refreshAt), adopt: async () => {} };
  }
  const want = tokenSecretOwner(pod, secretContext(deps));
  const written = await recreateOwnedSecret(deps.host, deps.hostNamespace, tokenSecret(virtualPod, secretContext(deps), issued.tokens, issued.refreshAt), want);
  if (!written.owned) return { owned: false, conflict: tokenSecretConflict(pod) };
  // Before the host pod exists: a crash after its creation still leaves a job that adopts and renews.
  await enqueueTokenRefresh(deps.queues.sync, tokenRefreshRef(deps.cluster, { ...pod, uid: virtualPod.metadata?.uid }), issued.refreshAt, deps.now());
  const secretName = written.object.metadata?.name ?? '';
  await note(`${issued.tokens.length} service account token(s) for ${virtualPod.spec?.serviceAccountName || 'default'} in host secret ${deps.hostNamespace}/${secretName}, renewed from ${when(issued.refreshAt)}`);
  return {
    owned: true,
    // Never fails the sync: the host pod exists now, and the renewal job adopts whatever is left unowned.
    async adopt(hostPod) {
      let why: string;
      try {
        const adopted = await replaceOwnedSecret(deps.host, deps.hostNamespace, written.object, withOwner(written.object, hostPod), want);
        if (adopted.owned) return;
        why = adopted.conflict;
      } catch (err) {
        why = isConflict(err) ? 'it changed since it was written' : classifyKubeError(err).message;
      }
      await note(`token secret ${deps.hostNamespace}/${secretName} not made the host pod's yet (${why}): its renewal job does it`);
    },
  };
}

/**
 * The `token` job: renew, adopt, wait or clean up one pod's token secret, from what is there now. The
 * result is one of a few fixed outcomes (a metric label); the reason is in the job's log.
 */
export async function processTokenRefresh(job: Job, deps: WorkerDeps): Promise<string> {
  const ref = parseObjectRef(job.data);
  const note = (msg: string) => job.log(`${deps.now().toISOString()} ${msg}`);
  const pod = { namespace: ref.namespace, name: ref.name };
  if (tokenMode(deps) === 'annotation') return refreshTokenAnnotations(pod, deps, note);
  const ctx = secretContext(deps);
  const secretName = hostObjectName(tokenSecretVirtualName(ref.name), ref.namespace, deps.cluster);
  const [virtualPod, hostPod, secret] = await Promise.all([
    readPod(deps.virtual, ref.namespace, ref.name),
    readPod(deps.host, deps.hostNamespace, hostPodName(ref.name, ref.namespace, deps.cluster)),
    readSecret(deps.host, deps.hostNamespace, secretName),
  ]);
  const plan = planTokenRefresh({ pod, virtualPod, hostPod, secret: secret?.metadata, now: deps.now(), ctx });
  const again = (at: Date) => enqueueTokenRefresh(deps.queues.sync, tokenRefreshRef(deps.cluster, { ...pod, uid: virtualPod?.metadata?.uid }), at, deps.now());
  const want = tokenSecretOwner(pod, ctx);
  const where = `${deps.hostNamespace}/${secretName}`;
  const notOurs = async (conflict: string) => {
    await note(`not written: ${conflict}`);
    return 'token-not-ours';
  };
  switch (plan.type) {
    case 'nothing':
    case 'wait':
      return idle(plan, again, note);
    case 'delete':
      await deleteCopy(deps.host, 'Secret', deps.hostNamespace, secretName, plan.uid, plan.resourceVersion);
      await note(`token secret ${where} deleted: ${plan.reason}`);
      return 'token-deleted';
    case 'adopt': {
      const adopted = await replaceOwnedSecret(deps.host, deps.hostNamespace, secret!, withOwner(secret!, plan.hostPod), want);
      if (!adopted.owned) return notOurs(adopted.conflict);
      if (plan.next) await again(plan.next);
      await note(`token secret ${where} now owned by its host pod (${plan.reason})${plan.next ? `; renewal at ${when(plan.next)}` : ''}`);
      return 'token-adopted';
    }
    case 'renew': {
      const issued = await issueTokens(virtualPod!, deps);
      if (!issued) {
        await note('the virtual pod asks for no token any more; the secret is left to go with its host pod');
        return 'token-nothing';
      }
      const desired = withOwner(tokenSecret(virtualPod!, ctx, issued.tokens, issued.refreshAt), plan.hostPod);
      const written = secret
        ? await replaceOwnedSecret(deps.host, deps.hostNamespace, secret, desired, want)
        : await recreateOwnedSecret(deps.host, deps.hostNamespace, desired, want);
      if (!written.owned) return notOurs(written.conflict);
      await again(issued.refreshAt);
      await note(`${issued.tokens.length} token(s) renewed in ${where} (${plan.reason}); next renewal at ${when(issued.refreshAt)}`);
      return 'token-renewed';
    }
  }
}

/** The two plans that write nothing, alike in both modes: nothing at all, or a look again later. */
async function idle(plan: { type: 'nothing'; reason: string } | { type: 'wait'; at: Date; reason: string }, again: (at: Date) => Promise<unknown>, note: Note): Promise<string> {
  if (plan.type === 'nothing') {
    await note(`nothing to do (${plan.reason})`);
    return 'token-nothing';
  }
  await again(plan.at);
  await note(`${plan.reason}: looking again at ${when(plan.at)}`);
  return 'token-waiting';
}

/** The `token` job in 'annotation' mode: new tokens patched into the host pod's annotations when due. */
async function refreshTokenAnnotations(pod: { namespace: string; name: string }, deps: WorkerDeps, note: Note): Promise<string> {
  const hostName = hostPodName(pod.name, pod.namespace, deps.cluster);
  const [virtualPod, hostPod] = await Promise.all([readPod(deps.virtual, pod.namespace, pod.name), readPod(deps.host, deps.hostNamespace, hostName)]);
  const plan = planAnnotationTokenRefresh({ virtualPod, hostPod, now: deps.now(), ctx: secretContext(deps) });
  const again = (at: Date) => enqueueTokenRefresh(deps.queues.sync, tokenRefreshRef(deps.cluster, { ...pod, uid: virtualPod?.metadata?.uid }), at, deps.now());
  switch (plan.type) {
    case 'nothing':
    case 'wait':
      return idle(plan, again, note);
    case 'renew': {
      const issued = await issueTokens(virtualPod!, deps);
      if (!issued) {
        await note('the virtual pod asks for no token any more');
        return 'token-nothing';
      }
      // Conditional on the host pod as planned (uid and version): never onto a pod that replaced it.
      await patchPod(deps.host, deps.hostNamespace, hostName, { metadata: { uid: plan.hostPod.metadata?.uid, resourceVersion: plan.hostPod.metadata?.resourceVersion, annotations: tokenAnnotations(issued.tokens, issued.refreshAt) } });
      await again(issued.refreshAt);
      await note(`${issued.tokens.length} token(s) renewed in the annotations of host pod ${deps.hostNamespace}/${hostName} (${plan.reason}); next renewal at ${when(issued.refreshAt)}`);
      return 'token-renewed';
    }
  }
}

function tokenMode(deps: WorkerDeps) {
  return deps.translate.serviceAccountTokens ?? DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE;
}
