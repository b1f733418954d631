// The watch of the host namespace's pod events, run by the lease holder beside the pod watch. Each event
// added or updated becomes an event job (names only; worker/processors/event.ts reads it and writes the
// virtual event). Like the pod watch it resumes from the resourceVersion stored in Redis; when that is gone
// (410, first start) it lists the events and hands over those seen since it last looked (at most the last
// few minutes on a first start: older history is not worth a job per event).
import type { Queue } from 'bullmq';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import { listEventsPage } from '../_shared/kube/events.js';
import { openWatch, type RawObject, type WatchEventType } from '../_shared/kube/watch.js';
import { enqueueEvent } from '../_shared/queue/enqueue-event.js';
import { LeaseLostError, type HostPodStateWriter } from '../_shared/queue/host-pod-state.js';
import { pause } from './pause.js';

const POD_EVENTS = 'involvedObject.kind=Pod';
/** On a first start, events older than this are left alone. */
export const COLD_EVENT_WINDOW_MS = 5 * 60_000;
/** A relist also hands over events a little older than the last one seen (clocks of reporters differ). */
const RELIST_MARGIN_MS = 60_000;
/** The event watch's place is saved at most this often (an event job is idempotent: replaying a few is harmless). */
const SAVE_EVERY_MS = 1000;

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

async function handOver(deps: EventWatchDeps, e: CoreV1Event | RawObject): Promise<boolean> {
  const ev = e as CoreV1Event;
  const hostEvent = ev.metadata?.name;
  const hostPod = ev.involvedObject?.name;
  if (!hostEvent || !hostPod || ev.involvedObject?.kind !== 'Pod') return false;
  await enqueueEvent(deps.queue, { cluster: deps.cluster, hostEvent, hostPod });
  return true;
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
  let lastRv = fromRv;
  let savedAt = 0;
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const save = async (force: boolean, seenMs?: number) => {
    if (!force && Date.now() - savedAt < SAVE_EVERY_MS) return;
    savedAt = Date.now();
    await deps.state.eventsProgress(lastRv, seenMs);
  };
  const watch = await openWatch(deps.host, {
    path: `/api/v1/namespaces/${deps.hostNamespace}/events`,
    query: { fieldSelector: POD_EVENTS, resourceVersion: fromRv, allowWatchBookmarks: true, timeoutSeconds: deps.watchTimeoutSeconds },
    idleMs: deps.idleMs,
    onEvent(type: WatchEventType, object: RawObject) {
      chain = chain.then(async () => {
        if (failure) return;
        if (type === 'ADDED' || type === 'MODIFIED') await handOver(deps, object);
        lastRv = object.metadata?.resourceVersion || lastRv;
        await save(false, type === 'BOOKMARK' ? undefined : lastSeenMs(object));
      }).catch((err) => {
        failure ??= err;
        watch.stop();
      });
    },
  });
  const onAbort = () => watch.stop();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const end = await watch.ended;
    await chain;
    if (failure) throw failure;
    await save(true);
    if (end.how === 'expired') throw Object.assign(new Error('event watch expired'), { expired: true });
    if (end.how === 'failed') throw new Error(`event watch failed: ${end.message}`);
    return lastRv;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
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
    for (const ev of page.items) {
      const at = lastSeenMs(ev);
      if (at < since) continue;
      if (await handOver(deps, ev)) handed++;
      newest = Math.max(newest, at);
    }
    token = page.metadata?._continue || undefined;
  } while (token);
  if (!listRv) throw new Error('the host event list carried no resourceVersion');
  await deps.state.eventsProgress(listRv, newest || deps.now().getTime());
  deps.log.info({ resourceVersion: listRv, handed }, 'listed host events');
  return listRv;
}
