// service: a virtual Service changed (audit), its host copy changed (host watch), or resync found them apart.
// Level-triggered like sync: read both, plan the one next step (core/translate-service.ts), apply it, and plan
// again from fresh reads until nothing is left. Every host write is either a create (a 409 means "read
// again") or a replace at the resourceVersion whose ownership was checked; the virtual Service is re-created
// with the host's ClusterIP only after a dry run proved the virtual API server accepts that address, and only
// with a copy of it kept on the host Service first, so a crash in between re-creates it (ADR 0008).
import type { Job } from 'bullmq';
import type { V1Service } from '@kubernetes/client-node';
import { parseObjectRef, type ObjectRef } from '../../_shared/core/job-refs.js';
import { checkOwnership } from '../../_shared/core/ownership.js';
import { syncedOwner } from '../../_shared/core/synced-object.js';
import { hostObjectName } from '../../_shared/core/names.js';
import { RECREATE_MARKER_ANNOTATION, planServiceSync, type ServiceSyncPlan } from '../../_shared/core/translate-service.js';
import { recordWarning } from '../../_shared/kube/cluster-objects.js';
import { classifyKubeError, isAlreadyExists, isConflict } from '../../_shared/kube/kube-errors.js';
import { createService, deleteSynced, readService, replaceService, replaceServiceStatus } from '../../_shared/kube/synced-objects.js';
import { serviceLinksMark } from '../../_shared/queue/shared-marks.js';
import type { WorkerDeps } from '../worker-deps.js';
import { converge, involved, jobNote, refuse, type Note } from './synced-object.js';

/** A new Service takes a few steps (host create, virtual re-create, host provenance update); more wait for the next event. */
const MAX_ROUNDS = 6;

export async function processService(job: Job, deps: WorkerDeps): Promise<string> {
  return syncService(parseObjectRef(job.data), deps, jobNote(job, deps));
}

export async function syncService(ref: ObjectRef, deps: WorkerDeps, note: Note): Promise<string> {
  const hostName = hostObjectName(ref.name, ref.namespace, deps.cluster);
  // Pods created from here on read the namespace's Services again (their links may change with this one),
  // before and after: a pod's sync that read them meanwhile may have shared what it saw before this job wrote.
  const forgetLinks = () => deps.sharedMarks?.forget([serviceLinksMark(ref.namespace)]);
  await forgetLinks();
  const outcome = await converge<V1Service, ServiceSyncPlan>(MAX_ROUNDS, {
    read: () => Promise.all([readService(deps.virtual, ref.namespace, ref.name), readService(deps.host, deps.hostNamespace, hostName)]),
    plan: (virtual, host) => planServiceSync({ virtual, host, ref, ctx: deps.translate }),
    apply: (plan, virtual, host) => applyServicePlan(plan as Exclude<ServiceSyncPlan, { type: 'nothing' }>, ref, virtual, host, deps, note),
  });
  await forgetLinks();
  return outcome;
}

const about = (ref: ObjectRef, virtual: V1Service | undefined) => involved('Service', ref, virtual);

/** A refusal by the API server (422, 400): nothing a retry changes. */
const refused = (err: unknown) => !classifyKubeError(err).transient;

/** A Service without the addresses and node ports it asked for: the virtual API server picks its own. */
function withoutAddresses(service: V1Service): V1Service {
  const out = structuredClone(service);
  delete out.spec!.clusterIP;
  delete out.spec!.clusterIPs;
  for (const p of out.spec!.ports ?? []) delete p.nodePort;
  return out;
}

/** Creates the virtual Service; when its address is refused meanwhile, with one of the virtual cluster's own, and says so. */
async function createVirtual(service: V1Service, ref: ObjectRef, deps: WorkerDeps, note: Note): Promise<void> {
  try {
    await createService(deps.virtual, ref.namespace, service);
  } catch (err) {
    if (isAlreadyExists(err)) return;
    if (!refused(err)) throw err;
    const created = await createService(deps.virtual, ref.namespace, withoutAddresses(service));
    await recordWarning(deps.virtual, about(ref, created), 'ClusterIPNotSynced', `the host cluster's ClusterIP ${service.spec?.clusterIP} could not be given to this Service (${classifyKubeError(err).message}); it was re-created with an address of the virtual cluster, which the host does not route, and podferry tries again`, deps.now());
    await note(`virtual Service re-created without the host's address: ${classifyKubeError(err).message}`);
  }
}

/** Applies one plan; true when the world changed and the job should read and plan again. */
async function applyServicePlan(plan: Exclude<ServiceSyncPlan, { type: 'nothing' }>, ref: ObjectRef, virtual: V1Service | undefined, host: V1Service | undefined, deps: WorkerDeps, note: Note): Promise<boolean> {
  const hostName = hostObjectName(ref.name, ref.namespace, deps.cluster);
  try {
    switch (plan.type) {
      case 'refuse':
      case 'conflict':
        await refuse(plan, about(ref, virtual), deps, note);
        return false;
      case 'create-host':
        await createService(deps.host, deps.hostNamespace, plan.service);
        await note(`host Service ${deps.hostNamespace}/${hostName} created`);
        return true;
      case 'replace-host':
        await replaceService(deps.host, plan.service);
        await note(`host Service converged: ${plan.changes.join(', ')}`);
        return true;
      case 'recreate-host':
      case 'delete-host':
        await deleteSynced(deps.host, 'Service', deps.hostNamespace, hostName, { uid: plan.host.uid });
        await note(`host Service deleted (${plan.reason})`);
        return true;
      case 'recreate-virtual':
        return await recreateVirtual(plan, ref, virtual!, host!, deps, note);
      case 'restore-virtual':
        await createVirtual(plan.service, ref, deps, note);
        await note('virtual Service restored from the copy kept on the host Service during its re-creation');
        return true;
      case 'update-virtual':
        try {
          await replaceService(deps.virtual, plan.service);
        } catch (err) {
          if (!refused(err)) throw err;
          await recordWarning(deps.virtual, about(ref, virtual), 'NodePortNotSynced', `the host cluster's node ports could not be given to this Service (${classifyKubeError(err).message}); the node ports it shows are not the host's`, deps.now());
          return false;
        }
        await note('virtual Service given the host node ports');
        return true;
      case 'report-status':
        await replaceServiceStatus(deps.virtual, virtual!, plan.status);
        await note('virtual Service status updated from the host');
        return true;
    }
  } catch (err) {
    // Someone wrote in between (a 409 on a precondition, a create that lost a race): read again and re-plan.
    if (isConflict(err)) return true;
    throw err;
  }
}

/**
 * The virtual Service gets the host's ClusterIP: ClusterIP is immutable, so it is deleted and created again
 * with that address (vCluster's recreateService). First a dry run in the virtual cluster proves the address
 * (and node ports) would be accepted, so a misconfigured service range never costs the user their Service;
 * then the Service is copied onto the host Service (the recreate marker), deleted at the resourceVersion that
 * was read, and created again.
 */
async function recreateVirtual(plan: Extract<ServiceSyncPlan, { type: 'recreate-virtual' }>, ref: ObjectRef, virtual: V1Service, host: V1Service, deps: WorkerDeps, note: Note): Promise<boolean> {
  if ((virtual.metadata?.finalizers ?? []).length > 0) {
    await recordWarning(deps.virtual, about(ref, virtual), 'ClusterIPNotSynced', `this Service has finalizers (${virtual.metadata!.finalizers!.join(', ')}), so podferry cannot re-create it with the host cluster's ClusterIP ${plan.clusterIP}; the address it shows is not routed`, deps.now());
    return false;
  }
  // The check leaves out the node ports the Service holds itself: deleting it frees them.
  const own = new Set((virtual.spec?.ports ?? []).map((p) => p.nodePort).filter((n) => n));
  const check = structuredClone(plan.service);
  check.metadata = { ...check.metadata, name: undefined, generateName: 'podferry-address-check-' };
  for (const p of check.spec?.ports ?? []) if (p.nodePort && own.has(p.nodePort)) delete p.nodePort;
  try {
    await createService(deps.virtual, ref.namespace, check, true);
  } catch (err) {
    if (!refused(err)) throw err;
    await recordWarning(deps.virtual, about(ref, virtual), 'ClusterIPNotSynced', `the host cluster gave this Service the ClusterIP ${plan.clusterIP}, which the virtual cluster refuses (${classifyKubeError(err).message}); it keeps ${virtual.spec?.clusterIP}, which the host does not route. The virtual API server's service range must be the host cluster's`, deps.now());
    await note(`virtual Service not re-created: the virtual cluster refuses ${plan.clusterIP}`);
    return false;
  }
  const marked = structuredClone(host);
  delete marked.status;
  marked.metadata!.annotations = { ...marked.metadata!.annotations, [RECREATE_MARKER_ANNOTATION]: plan.marker };
  await replaceService(deps.host, marked);
  const deleted = await deleteSynced(deps.virtual, 'Service', ref.namespace, ref.name, { uid: plan.virtual.uid, resourceVersion: plan.virtual.resourceVersion });
  if (!deleted) {
    // The user deleted it meanwhile: the copy must not bring it back.
    const current = await readService(deps.host, deps.hostNamespace, host.metadata!.name!);
    // Read afresh, so checked afresh: like every host write, only over the copy that is provably ours.
    if (current?.metadata?.annotations?.[RECREATE_MARKER_ANNOTATION] && checkOwnership(current.metadata, syncedOwner('Service', ref, deps.translate)).owned) {
      delete current.metadata.annotations[RECREATE_MARKER_ANNOTATION];
      delete current.status;
      await replaceService(deps.host, current);
    }
    return true;
  }
  await createVirtual(plan.service, ref, deps, note);
  await note(`virtual Service re-created with the host's ClusterIP ${plan.clusterIP}`);
  return true;
}
