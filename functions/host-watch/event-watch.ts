// The watch of the host namespace's pod events, run by the lease holder beside the pod watch. Each event
// added or updated is stashed and becomes work for its pod's event job (names only; worker/processors/
// event.ts reads the pod's pending events and writes the virtual events). Like the pod watch it resumes from the resourceVersion stored in Redis; when that is gone
// (410, first start) it lists the events and hands over those seen since it last looked (at most the last
// few minutes on a first start: older history is not worth a job per event).
import type { Queue } from 'bullmq';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import { listEventsPage } from '../_shared/kube/events.js';
import type { RawObject } from '../_shared/kube/watch.js';
import { watchInBatches } from '../_shared/kube/batched-watch.js';
import { enqueueEventBulk, type EventJobData } from '../_shared/queue/enqueue-event.js';
import { LeaseLostError, type HostPodStateWriter } from '../_shared/queue/host-pod-state.js';
import { pause } from './pause.js';

const POD_EVENTS = 'involvedObject.kind=Pod';
/** On a first start, events older than this are left alone. */
export const COLD_EVENT_WINDOW_MS = 5 * 60_000;
/** A relist also hands over events a little older than the last one seen (clocks of reporters differ). */
const RELIST_MARGIN_MS = 60_000;

export interface EventWatchDeps {
  cluster: string;
  hostNamespace: string;
  host: KubeSide;
  state: HostPodStateWriter;
  queue: Queue;
  log: Logger;
  now: () => Date;
  watchTimeoutSeconds: number;
  idleMs: number;
}

function lastSeenMs(e: CoreV1Event | RawObject): number {
  const ev = e as CoreV1Event;
  const t = ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata?.creationTimestamp;
  const ms = t ? new Date(t as unknown as string).getTime() : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** How long a host event stays stashed for its job; a job that runs later reads it from the host API. */
export const EVENT_STASH_MS = 5 * 60_000;

/**
 * The event jobs for a list or a batch of events: one per host pod, which tells all of the pod's pending
 * events. The events themselves are stashed in Redis first, each marked pending for its pod (an event
 * carries no spec or secret: reason, message, counts), so the job reads them there instead of from the host
 * API; two round trips for the whole batch.
 */
async function handOver(deps: EventWatchDeps, events: ReadonlyArray<CoreV1Event | RawObject>): Promise<number> {
  const jobs = new Map<string, EventJobData>();
  const stash = new Map<string, { name: string; hostPod: string; resourceVersion: string; json: string }>();
  for (const e of events) {
    const ev = e as CoreV1Event;
    const hostEvent = ev.metadata?.name;
    const hostPod = ev.involvedObject?.name;
    if (!hostEvent || !hostPod || ev.involvedObject?.kind !== 'Pod') continue;
    jobs.set(hostPod, { cluster: deps.cluster, hostPod });
    stash.set(hostEvent, { name: hostEvent, hostPod, resourceVersion: ev.metadata?.resourceVersion ?? '', json: JSON.stringify(ev) });
  }
  await deps.state.stashEvents([...stash.values()], EVENT_STASH_MS);
  await enqueueEventBulk(deps.queue, [...jobs.values()]);
  return stash.size;
}

export async function runEventWatch(deps: EventWatchDeps, signal: AbortSignal): Promise<void> {
  let failures = 0;
  let { rv } = await deps.state.eventsPlace();
  while (!signal.aborted) {
    try {
      if (!rv) rv = await relistEvents(deps);
      rv = await watchEvents(deps, rv, signal);
      failures = 0;
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      if ((err as { expired?: boolean }).expired) {
        rv = undefined;
        continue;
      }
      failures++;
      deps.log.warn({ err: (err as Error).message, failures }, 'host event watch interrupted; resuming');
      await pause(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
    }
  }
}

async function watchEvents(deps: EventWatchDeps, fromRv: string, signal: AbortSignal): Promise<string> {
  const { end, lastRv } = await watchInBatches(deps.host, {
    path: `/api/v1/namespaces/${deps.hostNamespace}/events`,
    query: { fieldSelector: POD_EVENTS, resourceVersion: fromRv, allowWatchBookmarks: true, timeoutSeconds: deps.watchTimeoutSeconds },
    idleMs: deps.idleMs,
    signal,
    fromRv,
    // A batch: jobs first, then the place (a crash replays the batch; event jobs are idempotent).
    async handle(batch, batchRv) {
      const changed = batch.filter((e) => e.type === 'ADDED' || e.type === 'MODIFIED');
      await handOver(deps, changed.map((e) => e.object));
      const seen = changed.reduce((ms, e) => Math.max(ms, lastSeenMs(e.object)), 0);
      await deps.state.eventsProgress(batchRv, seen || undefined);
    },
  });
  if (end.how === 'expired') throw Object.assign(new Error('event watch expired'), { expired: true });
  if (end.how === 'failed') throw new Error(`event watch failed: ${end.message}`);
  return lastRv;
}

async function relistEvents(deps: EventWatchDeps): Promise<string> {
  const { seenMs } = await deps.state.eventsPlace();
  const since = seenMs !== undefined ? seenMs - RELIST_MARGIN_MS : deps.now().getTime() - COLD_EVENT_WINDOW_MS;
  let token: string | undefined;
  let listRv: string | undefined;
  let handed = 0;
  let newest = seenMs ?? 0;
  do {
    const page = await listEventsPage(deps.host, deps.hostNamespace, { fieldSelector: POD_EVENTS, limit: 500, continueToken: token });
    listRv ??= page.metadata?.resourceVersion;
    const fresh: CoreV1Event[] = [];
    for (const ev of page.items) {
      const at = lastSeenMs(ev);
      if (at < since) continue;
      fresh.push(ev);
      newest = Math.max(newest, at);
    }
    handed += await handOver(deps, fresh);
    token = page.metadata?._continue || undefined;
  } while (token);
  if (!listRv) throw new Error('the host event list carried no resourceVersion');
  await deps.state.eventsProgress(listRv, newest || deps.now().getTime());
  deps.log.info({ resourceVersion: listRv, handed }, 'listed host events');
  return listRv;
}
