// One watch stream handled a batch at a time: events that arrive while a batch is being handled wait and form
// the next batch, so a burst costs one round of writes per batch, not per event. A batch that fails stops the
// stream. The caller learns of the failure once the stream has ended and every batch that began has settled.
// Shared by the host watch's pod and event watches.
import type { KubeSide } from './kube-side.js';
import { openWatch, type OpenWatch, type RawObject, type WatchEnd, type WatchEventType, type WatchRequest } from './watch.js';

export interface WatchChange {
  type: WatchEventType;
  object: RawObject;
}

export interface BatchedWatchRequest extends Omit<WatchRequest, 'onEvent'> {
  /** The resourceVersion the stream starts from: `lastRv` until a batch is handled. */
  fromRv: string;
  /** Handles one batch, in order; `batchRv` is its last resourceVersion, the place to store once it is handled. */
  handle(batch: WatchChange[], batchRv: string): Promise<void>;
  /** Runs once the stream is open; a throw stops it, as a failed batch does. */
  opened?(): Promise<void>;
}

/** Throws what a batch (or `opened`) threw; else how the stream ended and the last resourceVersion handled. */
export async function watchInBatches(side: KubeSide, req: BatchedWatchRequest): Promise<{ end: WatchEnd; lastRv: string }> {
  const { fromRv, handle, opened, ...request } = req;
  let lastRv = fromRv;
  let pending: WatchChange[] = [];
  let draining: Promise<void> | undefined;
  let failure: unknown;
  let watch: OpenWatch | undefined;
  const fail = (err: unknown) => {
    failure ??= err;
    watch?.stop();
  };
  const drain = async () => {
    while (pending.length > 0 && !failure) {
      const batch = pending;
      pending = [];
      const batchRv = batch[batch.length - 1].object.metadata?.resourceVersion || lastRv;
      await handle(batch, batchRv);
      lastRv = batchRv;
    }
  };
  const kick = () => {
    draining ??= drain().catch(fail).finally(() => {
      draining = undefined;
      if (pending.length > 0 && !failure) kick();
    });
  };
  watch = await openWatch(side, {
    ...request,
    onEvent(type, object) {
      pending.push({ type, object });
      kick();
    },
  });
  if (opened) await opened().catch(fail);
  const end = await watch.ended;
  while (draining) await draining;
  if (failure) throw failure;
  return { end, lastRv };
}
