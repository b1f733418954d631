// The resync's pass over Services and PersistentVolumeClaims: the safety net behind audit and the host watch.
// Both sides are listed page by page, every pair is planned with the same planner the service and claim jobs
// use, and a job is asked for each pair whose plan is not `nothing` (a Service or claim missed by audit, a
// host copy whose virtual object is gone, a status the watch missed). It holds the host objects of one kind
// for the length of the pass: far fewer than pods, and planning needs them whole.
import type { V1PersistentVolumeClaim, V1Service } from '@kubernetes/client-node';
import type { ObjectRef } from '../../_shared/core/job-refs.js';
import { hostObjectName } from '../../_shared/core/names.js';
import { ownedVirtualRef } from '../../_shared/core/ownership.js';
import { MANAGED_BY_LABEL } from '../../_shared/core/provenance.js';
import { planClaimSync } from '../../_shared/core/translate-claim.js';
import { isSyncedService, planServiceSync } from '../../_shared/core/translate-service.js';
import { listSyncedPage, type SyncedObjectKind } from '../../_shared/kube/synced-objects.js';
import { enqueueSyncBulk } from '../../_shared/queue/enqueue-sync.js';
import type { WorkerDeps } from '../worker-deps.js';

const PAGE = 500;

export interface ObjectResyncReport {
  services: number;
  claims: number;
  /** Pairs whose plan was not `nothing`: a job was asked for each. */
  servicesOutOfSync: number;
  claimsOutOfSync: number;
}

type Obj = V1Service | V1PersistentVolumeClaim;

function inSync(kind: SyncedObjectKind, virtual: Obj | undefined, host: Obj | undefined, ref: { namespace: string; name: string }, deps: WorkerDeps): boolean {
  const plan = kind === 'Service'
    ? planServiceSync({ virtual: virtual as V1Service | undefined, host: host as V1Service | undefined, ref, ctx: deps.translate })
    : planClaimSync({ virtual: virtual as V1PersistentVolumeClaim | undefined, host: host as V1PersistentVolumeClaim | undefined, ref, ctx: deps.translate });
  return plan.type === 'nothing';
}

async function resyncKind(kind: SyncedObjectKind, deps: WorkerDeps): Promise<{ seen: number; outOfSync: number }> {
  const host = new Map<string, Obj>();
  let token: string | undefined;
  do {
    const page = await listSyncedPage(deps.host, kind, deps.hostNamespace, { labelSelector: `${MANAGED_BY_LABEL}=${deps.cluster}`, limit: PAGE, continueToken: token });
    for (const o of page.items) host.set(o.metadata?.name ?? '', o);
    token = page.continueToken;
  } while (token);
  let seen = 0;
  let outOfSync = 0;
  do {
    const page = await listSyncedPage(deps.virtual, kind, undefined, { limit: PAGE, continueToken: token });
    const refs: ObjectRef[] = [];
    for (const virtual of page.items) {
      const { namespace, name } = virtual.metadata as { namespace: string; name: string };
      if (kind === 'Service' && !isSyncedService(namespace, name)) continue;
      seen++;
      const hostName = hostObjectName(name, namespace, deps.cluster);
      const copy = host.get(hostName);
      host.delete(hostName);
      if (!inSync(kind, virtual, copy, { namespace, name }, deps)) refs.push({ cluster: deps.cluster, kind, namespace, name });
    }
    outOfSync += refs.length;
    await enqueueSyncBulk(deps.queues.sync, refs, 'resync');
    token = page.continueToken;
  } while (token);
  // Host copies without a virtual object (a delete missed): the job deletes each, after checking it is ours.
  const orphans: ObjectRef[] = [];
  for (const copy of host.values()) {
    const ref = ownedVirtualRef(kind, copy.metadata, deps.cluster, deps.hostNamespace);
    if (ref && !inSync(kind, undefined, copy, ref, deps)) orphans.push(ref);
  }
  outOfSync += orphans.length;
  for (let i = 0; i < orphans.length; i += PAGE) await enqueueSyncBulk(deps.queues.sync, orphans.slice(i, i + PAGE), 'resync');
  return { seen, outOfSync };
}

export async function resyncObjects(deps: WorkerDeps): Promise<ObjectResyncReport> {
  const services = await resyncKind('Service', deps);
  const claims = await resyncKind('PersistentVolumeClaim', deps);
  return { services: services.seen, claims: claims.seen, servicesOutOfSync: services.outOfSync, claimsOutOfSync: claims.outOfSync };
}
