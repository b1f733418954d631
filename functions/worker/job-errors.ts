// What a failed step means for its job. Transient failures (429, 5xx, network, 409) are rethrown so BullMQ
// retries with backoff; a 429 also pauses every worker for its Retry-After through the shared host limit.
// Permanent failures (400, 403, 404 on a write, 422) end the job at once and leave a Warning event on the
// virtual object (pod, Service, claim), so `kubectl describe` says why it is not synced.
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { ObjectRef } from '../_shared/core/job-refs.js';
import { hostObjectName, hostPodName } from '../_shared/core/names.js';
import { hostToVirtualText } from '../_shared/core/translate-event.js';
import { recordPodWarning, recordWarning } from '../_shared/kube/cluster-objects.js';
import { classifyKubeError } from '../_shared/kube/kube-errors.js';
import type { HostRateLimit } from '../_shared/queue/host-rate-limit.js';
import type { WorkerDeps } from './worker-deps.js';

export async function withJobErrors<T>(ref: ObjectRef | undefined, deps: WorkerDeps, limit: HostRateLimit | undefined, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
    const failure = classifyKubeError(err);
    if (failure.code === 429 && limit) await limit.pauseAll((failure.retryAfterSeconds ?? 1) * 1000);
    const text = failure.code ? `${failure.reason} (${failure.code}): ${failure.message}` : `${failure.reason}: ${failure.message}`;
    if (failure.transient) throw new Error(text, { cause: err });
    if (ref?.kind === 'Service' || ref?.kind === 'PersistentVolumeClaim') {
      const told = hostToVirtualText(text, { vcluster: deps.cluster, hostNamespace: deps.hostNamespace, hostPodName: hostObjectName(ref.name, ref.namespace, deps.cluster), virtual: { namespace: ref.namespace, name: ref.name } });
      const what = ref.kind === 'Service' ? 'Service' : 'PersistentVolumeClaim';
      await recordWarning(deps.virtual, { kind: ref.kind, namespace: ref.namespace, name: ref.name, ...(ref.uid ? { uid: ref.uid } : {}) }, 'SyncError', `podferry could not sync this ${what} to the host cluster: ${told}`, deps.now()).catch((e) =>
        deps.log.warn({ err: e, ref }, 'could not record the SyncError event'),
      );
    }
    if (ref?.kind === 'Pod') {
      const pod = { metadata: { name: ref.name, namespace: ref.namespace, ...(ref.uid ? { uid: ref.uid } : {}) } };
      // The host API's words name host objects; the tenant sees its own names only.
      const told = hostToVirtualText(text, { vcluster: deps.cluster, hostNamespace: deps.hostNamespace, hostPodName: hostPodName(ref.name, ref.namespace, deps.cluster), virtual: { namespace: ref.namespace, name: ref.name } });
      await recordPodWarning(deps.virtual, pod, 'SyncError', `podferry could not sync this pod to the host cluster: ${told}`, deps.now()).catch((e) =>
        deps.log.warn({ err: e, ref }, 'could not record the SyncError event'),
      );
    }
    throw new UnrecoverableError(text);
  }
}
