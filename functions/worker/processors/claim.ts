// claim: a virtual PersistentVolumeClaim changed (audit), its host claim changed (host watch: bound,
// resized, deleted), or resync found them apart. Read both, plan the one next step (core/translate-claim.ts),
// apply, plan again until nothing is left. A pod's sync calls ensureClaimsForPod first, so a pod created with
// its claim finds the host claim there (and one created before its claim starts when the claim is synced: the
// host scheduler waits for the claim, then places the pod).
import type { Job } from 'bullmq';
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { parseObjectRef, type ObjectRef } from '../../_shared/core/job-refs.js';
import { hostObjectName } from '../../_shared/core/names.js';
import { checkOwnership, type Ownership } from '../../_shared/core/ownership.js';
import { podReferences } from '../../_shared/core/pod-references.js';
import { syncedOwner } from '../../_shared/core/synced-object.js';
import { planClaimSync, type ClaimSyncPlan } from '../../_shared/core/translate-claim.js';
import { recordWarning } from '../../_shared/kube/cluster-objects.js';
import { isAlreadyExists, isConflict } from '../../_shared/kube/kube-errors.js';
import { createFakeVolume, deleteFakeVolume, listFakeVolumes, nameClaimVolume, readVolume } from '../../_shared/kube/fake-volumes.js';
import { planFakeVolume } from '../../_shared/core/fake-volume.js';
import { createClaim, deleteSynced, readClaim, replaceClaim, replaceClaimStatus } from '../../_shared/kube/synced-objects.js';
import type { WorkerDeps } from '../worker-deps.js';
import { converge, involved, jobNote, refuse, type Note } from './synced-object.js';

const MAX_ROUNDS = 4;

export async function processClaim(job: Job, deps: WorkerDeps): Promise<string> {
  return syncClaim(parseObjectRef(job.data), deps, jobNote(job, deps));
}

export async function syncClaim(ref: ObjectRef, deps: WorkerDeps, note: Note): Promise<string> {
  const hostName = hostObjectName(ref.name, ref.namespace, deps.cluster);
  const outcome = await converge<V1PersistentVolumeClaim, ClaimSyncPlan>(MAX_ROUNDS, {
    read: () => Promise.all([readClaim(deps.virtual, ref.namespace, ref.name), readClaim(deps.host, deps.hostNamespace, hostName)]),
    plan: (virtual, host) => planClaimSync({ virtual, host, ref, ctx: deps.translate }),
    apply: (plan, virtual) => applyClaimPlan(plan as Exclude<ClaimSyncPlan, { type: 'nothing' }>, ref, virtual, deps, note),
  });
  await syncFakeVolume(ref, deps, note);
  return outcome;
}

/** The claim's fake volume in the virtual cluster (core/fake-volume.ts), a few steps at most, from fresh reads. */
async function syncFakeVolume(ref: ObjectRef, deps: WorkerDeps, note: Note): Promise<void> {
  const hostName = hostObjectName(ref.name, ref.namespace, deps.cluster);
  for (let round = 0; round < 3; round++) {
    const [virtual, host] = await Promise.all([readClaim(deps.virtual, ref.namespace, ref.name), readClaim(deps.host, deps.hostNamespace, hostName)]);
    // Only a host claim provably podferry's for this virtual claim says which volume is the claim's.
    const ours = host && checkOwnership(host.metadata, syncedOwner('PersistentVolumeClaim', ref, deps.translate)).owned ? host : undefined;
    const volumeName = ours?.spec?.volumeName;
    const existing = volumeName ? await readVolume(deps.virtual, volumeName) : undefined;
    const leftovers = virtual ? undefined : existing ? [existing] : await listFakeVolumes(deps.virtual);
    const plan = planFakeVolume({ virtual, host: ours, existing, leftovers, ref });
    try {
      switch (plan.type) {
        case 'nothing':
          return;
        case 'name-volume':
          await nameClaimVolume(deps.virtual, virtual!, plan.volumeName);
          await note(`virtual claim bound to volume ${plan.volumeName}, as its host claim is`);
          break;
        case 'create':
          await createFakeVolume(deps.virtual, plan.volume);
          await note(`fake PersistentVolume ${plan.volume.metadata?.name} created in the virtual cluster for the claim`);
          break;
        case 'delete':
          await deleteFakeVolume(deps.virtual, plan.name, plan.uid);
          await note(`fake PersistentVolume ${plan.name} deleted: no virtual claim holds it any more`);
          break;
      }
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) throw err;
    }
  }
}

const about = (ref: ObjectRef, virtual: V1PersistentVolumeClaim | undefined) => involved('PersistentVolumeClaim', ref, virtual);

/** Applies one plan; true when the job should read and plan again. */
async function applyClaimPlan(plan: Exclude<ClaimSyncPlan, { type: 'nothing' }>, ref: ObjectRef, virtual: V1PersistentVolumeClaim | undefined, deps: WorkerDeps, note: Note): Promise<boolean> {
  const hostName = hostObjectName(ref.name, ref.namespace, deps.cluster);
  try {
    switch (plan.type) {
      case 'refuse':
      case 'conflict':
        await refuse(plan, about(ref, virtual), deps, note);
        return false;
      case 'create-host':
        await createClaim(deps.host, deps.hostNamespace, plan.claim);
        await note(`host claim ${deps.hostNamespace}/${hostName} created (storage class ${plan.claim.spec?.storageClassName ?? 'the host default'})`);
        return true;
      case 'replace-host':
        await replaceClaim(deps.host, plan.claim);
        await note(`host claim converged: ${plan.changes.join(', ')}`);
        return true;
      case 'delete-host':
        await deleteSynced(deps.host, 'PersistentVolumeClaim', deps.hostNamespace, hostName, { uid: plan.host.uid });
        await note(`host claim deleted (${plan.reason}); the host keeps it while a host pod uses it`);
        return true;
      case 'delete-virtual':
        await deleteSynced(deps.virtual, 'PersistentVolumeClaim', ref.namespace, ref.name, { uid: plan.virtual.uid });
        await recordWarning(deps.virtual, about(ref, virtual), 'HostClaimDeleted', `the claim is deleted: ${plan.reason}`, deps.now());
        await note(`virtual claim deleted: ${plan.reason}`);
        return true;
      case 'report-status':
        await replaceClaimStatus(deps.virtual, virtual!, plan.status);
        await note(`virtual claim status updated from the host: ${plan.status.phase ?? '?'}`);
        return true;
    }
  } catch (err) {
    if (isConflict(err)) return true;
    throw err;
  }
}

/**
 * The claims a pod mounts (and clones from), before its host pod is created: a host claim under the
 * translated name must be podferry's for exactly that virtual claim (else the host pod would mount someone
 * else's volume: the pod is refused with the conflict), and a virtual claim not synced yet is synced now.
 * A claim that does not exist yet is left to its own sync: the host scheduler holds the pod until it exists.
 */
export async function ensureClaimsForPod(virtualPod: V1Pod, deps: WorkerDeps, note: Note): Promise<Ownership> {
  const namespace = virtualPod.metadata?.namespace ?? '';
  for (const r of podReferences(virtualPod, deps.translate)) {
    if (r.kind !== 'persistentVolumeClaim') continue;
    const ref: ObjectRef = { cluster: deps.cluster, kind: 'PersistentVolumeClaim', namespace, name: r.name };
    const host = await readClaim(deps.host, deps.hostNamespace, hostObjectName(r.name, namespace, deps.cluster));
    if (host) {
      const ownership = checkOwnership(host.metadata, syncedOwner('PersistentVolumeClaim', ref, deps.translate));
      if (!ownership.owned) return ownership;
      continue;
    }
    const outcome = await syncClaim(ref, deps, note);
    await note(`claim ${r.name}: ${outcome}`);
  }
  return { owned: true };
}
