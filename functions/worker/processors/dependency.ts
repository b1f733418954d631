// dependency: a ConfigMap or Secret changed in the virtual cluster (audit). Level-triggered like sync: read the
// virtual object and its host copy, then the one step needed. Exists with a copy: the copy is brought up to
// date. Exists without one: copied only if pods wait for it (dependency-waits.ts), and those pods synced
// again (their host pods then start: the kubelet retries the mount); otherwise nothing, since no pod needs
// it. Gone: its copy, if it is ours, is deleted. Host writes go through the same upsert and translate
// functions sync uses.
import type { Job } from 'bullmq';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { parseObjectRef, type ObjectRef } from '../../_shared/core/job-refs.js';
import { hostObjectName } from '../../_shared/core/names.js';
import { checkOwnership, type OwnerWanted } from '../../_shared/core/ownership.js';
import { translateConfigMap, translateSecret } from '../../_shared/core/translate-pod.js';
import { readConfigMap, readSecret, upsertConfigMap, upsertSecret } from '../../_shared/kube/cluster-objects.js';
import { deleteCopy } from '../../_shared/kube/object-copies.js';
import { enqueueSyncBulk } from '../../_shared/queue/enqueue-sync.js';
import { copyMark } from '../../_shared/queue/shared-marks.js';
import type { WorkerDeps } from '../worker-deps.js';

export type DependencyOutcome = 'updated' | 'copied-for-waiting-pods' | 'not-used' | 'deleted' | 'both-gone' | 'not-ours';

type Obj = V1ConfigMap | V1Secret;

/** The copy is podferry's, for exactly this virtual object (core/ownership.ts), so podferry may write or delete it. */
export function isCopyOf(copy: Obj, ref: ObjectRef, cluster: string, hostNamespace: string): boolean {
  return checkOwnership(copy.metadata, ownerOf(ref, cluster, hostNamespace)).owned;
}

function ownerOf(ref: ObjectRef, cluster: string, hostNamespace: string): OwnerWanted {
  return { kind: ref.kind as 'ConfigMap' | 'Secret', vcluster: cluster, hostNamespace, namespace: ref.namespace, name: ref.name };
}

export async function processDependency(job: Job, deps: WorkerDeps): Promise<DependencyOutcome> {
  const ref = parseObjectRef(job.data);
  if (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') throw new Error(`not a dependency: ${ref.kind}`);
  const kind = ref.kind;
  const hostName = hostObjectName(ref.name, ref.namespace, deps.cluster);
  const read = kind === 'ConfigMap' ? readConfigMap : readSecret;
  // Pods created from here on check this object's copy again rather than trust another pod's check.
  await deps.sharedMarks?.forget([copyMark(kind, ref.namespace, ref.name)]);
  const [virtual, copy] = await Promise.all([read(deps.virtual, ref.namespace, ref.name), read(deps.host, deps.hostNamespace, hostName)]);
  const note = (msg: string) => job.log(`${deps.now().toISOString()} ${msg}`);

  if (!virtual) {
    if (!copy) return 'both-gone';
    if (!isCopyOf(copy, ref, deps.cluster, deps.hostNamespace)) return 'not-ours';
    await deleteCopy(deps.host, kind, deps.hostNamespace, hostName, copy.metadata?.uid);
    await note(`${kind} gone in the virtual cluster: its host copy ${deps.hostNamespace}/${hostName} deleted`);
    return 'deleted';
  }
  const waiting = deps.dependencyWaits ? await deps.dependencyWaits.waiting(kind, ref.namespace, ref.name) : [];
  if (!copy && waiting.length === 0) return 'not-used';
  // A host name held by another object is never overwritten (the pods that need it get a conflict from sync).
  if (copy && !isCopyOf(copy, ref, deps.cluster, deps.hostNamespace)) return 'not-ours';
  const ctx = { vcluster: deps.cluster, hostNamespace: deps.hostNamespace, metadataFilter: deps.translate.metadataFilter };
  const want = ownerOf(ref, deps.cluster, deps.hostNamespace);
  const ownership = kind === 'ConfigMap'
    ? await upsertConfigMap(deps.host, deps.hostNamespace, translateConfigMap(virtual as V1ConfigMap, ctx), want)
    : await upsertSecret(deps.host, deps.hostNamespace, translateSecret(virtual as V1Secret, ctx), want);
  if (!ownership.owned) return 'not-ours';
  if (waiting.length > 0) {
    await enqueueSyncBulk(deps.queues.sync, waiting.map((name) => ({ cluster: deps.cluster, kind: 'Pod' as const, namespace: ref.namespace, name })), 'worker');
    await deps.dependencyWaits!.done(kind, ref.namespace, ref.name, waiting);
    await note(`${kind} copied to the host for ${waiting.length} waiting pod(s): ${waiting.join(', ')}`);
  } else await note(`host copy ${deps.hostNamespace}/${hostName} updated`);
  return copy ? 'updated' : 'copied-for-waiting-pods';
}
