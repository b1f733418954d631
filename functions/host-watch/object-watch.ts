// The watch of the host Services and PersistentVolumeClaims podferry made, run by the lease holder beside the
// pod and event watches: a change on the host (a claim bound or resized, a load balancer's address, a copy
// deleted there) becomes a sync job for the virtual object it stands for, which carries the change back.
// Smaller than the pod watch on purpose: no snapshot store, no stored resourceVersion. Each leader starts
// watching from "now" (a list of one item gives the collection's resourceVersion); what changed while no one
// watched, or before a 410, is the resync's to find, and a 410 asks for one at once.
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { ownedVirtualRef } from '../_shared/core/ownership.js';
import { MANAGED_BY_LABEL } from '../_shared/core/provenance.js';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import { listSyncedPage, type SyncedObjectKind } from '../_shared/kube/synced-objects.js';
import { openWatch, type OpenWatch, type WatchEnd } from '../_shared/kube/watch.js';
import { enqueueResyncNow } from '../_shared/queue/enqueue-resync.js';
import { enqueueSyncBulk } from '../_shared/queue/enqueue-sync.js';
import { pause } from './pause.js';

export interface ObjectWatchDeps {
  cluster: string;
  hostNamespace: string;
  host: KubeSide;
  queues: { sync: Queue; resync: Queue };
  log: Logger;
  watchTimeoutSeconds: number;
  idleMs: number;
}

const PATHS: Record<SyncedObjectKind, string> = { Service: 'services', PersistentVolumeClaim: 'persistentvolumeclaims' };

/** Watches both kinds until `signal` aborts. */
export async function runObjectWatch(deps: ObjectWatchDeps, signal: AbortSignal): Promise<void> {
  await Promise.all((Object.keys(PATHS) as SyncedObjectKind[]).map((kind) => watchKind(deps, kind, signal)));
}

async function watchKind(deps: ObjectWatchDeps, kind: SyncedObjectKind, signal: AbortSignal): Promise<void> {
  const labelSelector = `${MANAGED_BY_LABEL}=${deps.cluster}`;
  let rv: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (!rv) rv = (await listSyncedPage(deps.host, kind, deps.hostNamespace, { labelSelector, limit: 1 })).resourceVersion;
      if (!rv) throw new Error(`the host ${PATHS[kind]} list carried no resourceVersion`);
      const { end, lastRv } = await watchFrom(deps, kind, labelSelector, rv, signal);
      rv = lastRv;
      if (end.how === 'expired') {
        deps.log.info({ kind }, 'host object watch expired (410 Gone): asking for a resync and watching from now');
        await enqueueResyncNow(deps.queues.resync, deps.cluster);
        rv = undefined;
      } else if (end.how === 'failed') throw new Error(`watch failed: ${end.message}`);
      failures = 0;
    } catch (err) {
      failures++;
      deps.log.warn({ kind, err: (err as Error).message, failures }, 'host object watch interrupted; resuming');
      await pause(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
    }
  }
}

async function watchFrom(deps: ObjectWatchDeps, kind: SyncedObjectKind, labelSelector: string, fromRv: string, signal: AbortSignal): Promise<{ end: WatchEnd; lastRv: string }> {
  let lastRv = fromRv;
  // Jobs are queued in the order the events came, one round trip at a time; a failure ends the watch, which
  // then resumes from the last event whose job was queued.
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  let watch: OpenWatch | undefined;
  watch = await openWatch(deps.host, {
    path: `/api/v1/namespaces/${deps.hostNamespace}/${PATHS[kind]}`,
    query: { labelSelector, resourceVersion: fromRv, allowWatchBookmarks: true, timeoutSeconds: deps.watchTimeoutSeconds },
    idleMs: deps.idleMs,
    signal,
    onEvent(type, object) {
      const rv = object.metadata?.resourceVersion;
      const ref = type === 'BOOKMARK' ? undefined : ownedVirtualRef(kind, object.metadata as V1ObjectMeta | undefined, deps.cluster, deps.hostNamespace);
      chain = chain.then(async () => {
        if (failure) return;
        if (ref) await enqueueSyncBulk(deps.queues.sync, [ref], 'host-watch');
        if (rv) lastRv = rv;
      }).catch((err) => {
        failure ??= err;
        watch?.stop();
      });
    },
  });
  if (failure) watch.stop();
  const end = await watch.ended;
  await chain;
  if (failure) throw failure;
  return { end, lastRv };
}
