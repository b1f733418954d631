// The one watch of the host namespace's managed pods, run by the lease holder. It resumes from the
// resourceVersion stored in Redis (a new leader continues exactly where the last one stopped), lists again
// when there is none or the server says 410 Gone, and turns each change into work for the virtual pod the
// host pod stands for: a status look for a change, a sync for a deletion. Events are handled one at a time,
// in the order the server sent them; the stored resourceVersion moves only after an event's snapshot is
// written, so a crash or a Redis error at any point resumes at the first event not yet handled.
import type { Queue } from 'bullmq';
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { encodeSnapshot } from '../_shared/core/host-pod-snapshot.js';
import { MANAGED_BY_LABEL, isManagedHostPod, virtualRefOf } from '../_shared/core/provenance.js';
import type { ObjectRef } from '../_shared/core/job-refs.js';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import { listPodsPage } from '../_shared/kube/pods.js';
import type { RawObject, WatchEnd } from '../_shared/kube/watch.js';
import { watchInBatches, type WatchChange } from '../_shared/kube/batched-watch.js';
import { enqueueResyncNow } from '../_shared/queue/enqueue-resync.js';
import { enqueueStatusNowBulk } from '../_shared/queue/enqueue-status.js';
import { enqueueSyncBulk } from '../_shared/queue/enqueue-sync.js';
import { LeaseLostError, type HostPodStateWriter, type StateWrite } from '../_shared/queue/host-pod-state.js';
import { pause } from './pause.js';

export const RELIST_PAGE_SIZE = 500;

export interface PodWatchDeps {
  cluster: string;
  hostNamespace: string;
  host: KubeSide;
  state: HostPodStateWriter;
  queues: { sync: Queue; status: Queue; resync: Queue };
  log: Logger;
  now: () => Date;
  /** Each watch request asks the server to end it after this long (the heartbeat moves at every reconnect). */
  watchTimeoutSeconds: number;
  /** A stream silent for this long is taken for dead and opened again. */
  idleMs: number;
  /** Counts what the watch did, for metrics and tests. */
  stats?: PodWatchStats;
}

export interface PodWatchStats {
  watches: number;
  relists: number;
  events: number;
  enqueued: number;
}

export function createPodWatchStats(): PodWatchStats {
  return { watches: 0, relists: 0, events: 0, enqueued: 0 };
}

/** Watches until `signal` aborts; throws LeaseLostError when another instance holds the lease. */
export async function runPodWatch(deps: PodWatchDeps, signal: AbortSignal): Promise<void> {
  let rv = await deps.state.watchRv();
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (!rv) rv = await relist(deps);
      const { end, lastRv } = await watchFrom(deps, rv, signal);
      rv = lastRv;
      if (end.how === 'expired') {
        deps.log.info({ resourceVersion: rv }, 'host pod watch expired (410 Gone): listing again');
        rv = undefined;
      } else if (end.how === 'failed') throw new Error(`watch failed: ${end.message}`);
      failures = 0;
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      failures++;
      deps.log.warn({ err: (err as Error).message, failures }, 'host pod watch interrupted; resuming');
      await pause(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
    }
  }
}

const podRef = (cluster: string, v: { namespace: string; name: string }): ObjectRef => ({ cluster, kind: 'Pod', namespace: v.namespace, name: v.name });

/** The virtual pod of a managed host pod, or undefined for anything else the selector let through. */
function virtualOf(deps: PodWatchDeps, pod: V1Pod): { namespace: string; name: string } | undefined {
  if (!isManagedHostPod(pod, deps.cluster, deps.hostNamespace)) return undefined;
  const ref = virtualRefOf(pod);
  return ref ? { namespace: ref.namespace, name: ref.name } : undefined;
}

/**
 * One batch of events, in server order: what arrived while the previous batch was being written. Per pod
 * only the newest snapshot matters (jobs are level-triggered), so a pod that changed five times costs one
 * write and one job. Order of effects: snapshots first (a job must find the state that woke it), then the
 * jobs, then the stored resourceVersion, so a crash anywhere replays the batch from the last stored place;
 * on a replay a snapshot write changes nothing, which is why every event queues its job regardless.
 */
async function handleBatch(deps: PodWatchDeps, batch: readonly WatchChange[]): Promise<void> {
  const newest = new Map<string, { object: RawObject; virtual: { namespace: string; name: string }; deleted: boolean; exists: boolean }>();
  for (const { type, object } of batch) {
    if (type === 'BOOKMARK') continue;
    const pod = object as V1Pod;
    const name = pod.metadata?.name ?? '';
    const virtual = virtualOf(deps, pod);
    if (!name || !virtual) continue;
    const seen = newest.get(name);
    newest.set(name, { object, virtual, deleted: (seen?.deleted ?? false) || type === 'DELETED', exists: type !== 'DELETED' });
  }
  const writes: StateWrite[] = [];
  const looks: ObjectRef[] = [];
  const syncs: ObjectRef[] = [];
  for (const [pod, c] of newest) {
    if (c.exists) {
      writes.push({ pod, resourceVersion: c.object.metadata?.resourceVersion ?? '', snapshot: encodeSnapshot(c.object as V1Pod), virtual: c.virtual });
      looks.push(podRef(deps.cluster, c.virtual));
    } else writes.push({ pod, remove: true });
    // A pod deleted (even if re-created since) is sync's to reflect or replace.
    if (c.deleted) syncs.push(podRef(deps.cluster, c.virtual));
  }
  await deps.state.writeMany(writes);
  await enqueueStatusNowBulk(deps.queues.status, looks, deps.now());
  await enqueueSyncBulk(deps.queues.sync, syncs, 'host-watch');
  await deps.state.progress(batch[batch.length - 1].object.metadata?.resourceVersion ?? '');
  if (deps.stats) {
    deps.stats.events += batch.length;
    deps.stats.enqueued += looks.length + syncs.length;
  }
}

async function watchFrom(deps: PodWatchDeps, fromRv: string, signal: AbortSignal): Promise<{ end: WatchEnd; lastRv: string }> {
  return watchInBatches(deps.host, {
    path: `/api/v1/namespaces/${deps.hostNamespace}/pods`,
    query: { labelSelector: `${MANAGED_BY_LABEL}=${deps.cluster}`, resourceVersion: fromRv, allowWatchBookmarks: true, timeoutSeconds: deps.watchTimeoutSeconds },
    idleMs: deps.idleMs,
    signal,
    fromRv,
    handle: (batch) => handleBatch(deps, batch),
    async opened() {
      deps.stats && deps.stats.watches++;
      // The stream is open: the watch is alive even if nothing happens before the next reconnect.
      await deps.state.progress();
    },
  });
}

/**
 * Lists every managed host pod and brings the stored snapshots up to date: a pod that changed while nobody
 * watched gets a status look, one that disappeared a sync (queued before it is forgotten). A resync is asked
 * for first: whatever a crash in the middle of this list would lose, or an empty store cannot tell (first
 * start, Redis lost: no pod can be said to have changed), the resync's page-by-page comparison finds.
 */
export async function relist(deps: PodWatchDeps): Promise<string> {
  deps.stats && deps.stats.relists++;
  await enqueueResyncNow(deps.queues.resync, deps.cluster);
  const known = await deps.state.index();
  const cold = known.size === 0;
  let token: string | undefined;
  let listRv: string | undefined;
  let changed = 0;
  do {
    const page = await listPodsPage(deps.host, deps.hostNamespace, { labelSelector: `${MANAGED_BY_LABEL}=${deps.cluster}`, limit: RELIST_PAGE_SIZE, continueToken: token });
    listRv ??= page.metadata?.resourceVersion;
    const writes: StateWrite[] = [];
    const refs: ObjectRef[] = [];
    for (const pod of page.items) {
      const name = pod.metadata?.name ?? '';
      known.delete(name);
      const virtual = virtualOf(deps, pod);
      if (!virtual) continue;
      writes.push({ pod: name, resourceVersion: pod.metadata?.resourceVersion ?? '', snapshot: encodeSnapshot(pod), virtual });
      refs.push(podRef(deps.cluster, virtual));
    }
    const updated = await deps.state.writeMany(writes);
    const looks = cold ? [] : refs.filter((_, i) => updated[i]);
    changed += looks.length;
    await enqueueStatusNowBulk(deps.queues.status, looks, deps.now());
    token = page.metadata?._continue || undefined;
  } while (token);
  const gone = [...known.entries()];
  await enqueueSyncBulk(deps.queues.sync, gone.map(([, entry]) => podRef(deps.cluster, entry.virtual)), 'host-watch');
  await deps.state.writeMany(gone.map(([pod]) => ({ pod, remove: true as const })));
  if (!listRv) throw new Error('the host pod list carried no resourceVersion');
  await deps.state.progress(listRv);
  deps.log.info({ resourceVersion: listRv, changed, gone: gone.length, cold }, 'listed host pods');
  return listRv;
}
