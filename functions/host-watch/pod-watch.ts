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
import { openWatch, type RawObject, type WatchEnd, type WatchEventType } from '../_shared/kube/watch.js';
import { enqueueResyncNow } from '../_shared/queue/enqueue-resync.js';
import { enqueueStatusNow } from '../_shared/queue/enqueue-status.js';
import { enqueueSync } from '../_shared/queue/enqueue-sync.js';
import { LeaseLostError, type HostPodStateWriter } from '../_shared/queue/host-pod-state.js';
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

async function handle(deps: PodWatchDeps, type: WatchEventType, object: RawObject): Promise<void> {
  const rv = object.metadata?.resourceVersion ?? '';
  if (type === 'BOOKMARK') return deps.state.progress(rv);
  const pod = object as V1Pod;
  const name = pod.metadata?.name ?? '';
  const virtual = virtualOf(deps, pod);
  if (!name || !virtual) return deps.state.progress(rv);
  deps.stats && deps.stats.events++;
  if (type === 'DELETED') {
    await deps.state.remove(name, rv);
    await enqueueSync(deps.queues.sync, podRef(deps.cluster, virtual), 'host-watch');
  } else if (await deps.state.apply(name, rv, encodeSnapshot(pod), virtual, rv)) {
    await enqueueStatusNow(deps.queues.status, podRef(deps.cluster, virtual), deps.now());
  } else return;
  deps.stats && deps.stats.enqueued++;
}

async function watchFrom(deps: PodWatchDeps, fromRv: string, signal: AbortSignal): Promise<{ end: WatchEnd; lastRv: string }> {
  let lastRv = fromRv;
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const watch = await openWatch(deps.host, {
    path: `/api/v1/namespaces/${deps.hostNamespace}/pods`,
    query: { labelSelector: `${MANAGED_BY_LABEL}=${deps.cluster}`, resourceVersion: fromRv, allowWatchBookmarks: true, timeoutSeconds: deps.watchTimeoutSeconds },
    idleMs: deps.idleMs,
    onEvent(type, object) {
      chain = chain.then(async () => {
        if (failure) return;
        await handle(deps, type, object);
        lastRv = object.metadata?.resourceVersion || lastRv;
      }).catch((err) => {
        failure ??= err;
        watch.stop();
      });
    },
  });
  deps.stats && deps.stats.watches++;
  const onAbort = () => watch.stop();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // The stream is open: the watch is alive even if nothing happens before the next reconnect.
    chain = chain.then(() => deps.state.progress()).catch((err) => {
      failure ??= err;
      watch.stop();
    });
    const end = await watch.ended;
    await chain;
    if (failure) throw failure;
    return { end, lastRv };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Lists every managed host pod and brings the stored snapshots up to date: a pod that changed while nobody
 * watched gets a status look, one that disappeared a sync. From an empty store (first start, Redis lost) no
 * pod can be said to have changed, so one resync is asked for instead of a look at every pod.
 */
export async function relist(deps: PodWatchDeps): Promise<string> {
  deps.stats && deps.stats.relists++;
  const known = await deps.state.index();
  const cold = known.size === 0;
  let token: string | undefined;
  let listRv: string | undefined;
  let changed = 0;
  do {
    const page = await listPodsPage(deps.host, deps.hostNamespace, { labelSelector: `${MANAGED_BY_LABEL}=${deps.cluster}`, limit: RELIST_PAGE_SIZE, continueToken: token });
    listRv ??= page.metadata?.resourceVersion;
    for (const pod of page.items) {
      const name = pod.metadata?.name ?? '';
      const virtual = virtualOf(deps, pod);
      const before = known.get(name);
      known.delete(name);
      if (!virtual) continue;
      const updated = await deps.state.apply(name, pod.metadata?.resourceVersion ?? '', encodeSnapshot(pod), virtual);
      if (updated && (before || !cold)) {
        changed++;
        await enqueueStatusNow(deps.queues.status, podRef(deps.cluster, virtual), deps.now());
      }
    }
    token = page.metadata?._continue || undefined;
  } while (token);
  for (const [name, entry] of known) {
    await deps.state.remove(name);
    await enqueueSync(deps.queues.sync, podRef(deps.cluster, entry.virtual), 'host-watch');
  }
  if (!listRv) throw new Error('the host pod list carried no resourceVersion');
  await deps.state.progress(listRv);
  if (cold) await enqueueResyncNow(deps.queues.resync, deps.cluster);
  deps.log.info({ resourceVersion: listRv, changed, gone: known.size, cold }, 'listed host pods');
  return listRv;
}
