// One watch request through client-node's Watch class, in the words the host watch needs: events handed
// over in order, and one `ended` promise saying how the stream ended: closed (timeoutSeconds, a cut
// connection: resume from the last resourceVersion), expired (410 Gone, as an ERROR event or as the HTTP
// status: list again), or failed (anything else). A stream silent for longer than `idleMs` is aborted and
// reported closed, so a half-open connection cannot hide behind a quiet namespace.
import { Watch } from '@kubernetes/client-node';
import type { KubeSide } from './kube-side.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface RawObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type WatchEnd = { how: 'closed' } | { how: 'expired' } | { how: 'failed'; message: string; code?: number };

export interface OpenWatch {
  ended: Promise<WatchEnd>;
  stop(): void;
}

export interface WatchRequest {
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  idleMs: number;
  /** Ends the watch (as closed) when it aborts, also when it aborted while the watch was opening. */
  signal?: AbortSignal;
  /** Called once per event, in order; a throw ends the watch as failed. */
  onEvent(type: WatchEventType, object: RawObject): void;
}

function statusCodeOf(obj: unknown): number | undefined {
  const code = (obj as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Resolves once the server answered 200 (the stream is open) or the request failed; `ended` tells the rest. */
export async function openWatch(side: KubeSide, req: WatchRequest): Promise<OpenWatch> {
  let finish!: (end: WatchEnd) => void;
  let settled = false;
  const ended = new Promise<WatchEnd>((resolve) => {
    finish = (end) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      controller?.abort();
      resolve(end);
    };
  });
  let controller: AbortController | undefined;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => finish({ how: 'closed' }), req.idleMs);
    idle.unref();
  };
  armIdle();
  const onLine = (type: string, object: RawObject) => {
    if (settled) return;
    armIdle();
    if (type === 'ERROR') {
      const code = statusCodeOf(object);
      finish(code === 410 ? { how: 'expired' } : { how: 'failed', message: String((object as { message?: unknown }).message ?? 'watch error'), ...(code ? { code } : {}) });
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED' && type !== 'BOOKMARK') return;
    try {
      req.onEvent(type, object);
    } catch (err) {
      finish({ how: 'failed', message: (err as Error).message });
    }
  };
  const onDone = (err: unknown) => {
    if (!err) return finish({ how: 'closed' });
    const code = (err as { statusCode?: number }).statusCode;
    if (code === 410) return finish({ how: 'expired' });
    // A connection cut mid-stream (premature close, reset) is a closed stream: resume where it was.
    if (code === undefined && controller) return finish({ how: 'closed' });
    finish({ how: 'failed', message: (err as Error).message ?? String(err), ...(code ? { code } : {}) });
  };
  controller = await new Watch(side.kubeConfig).watch(req.path, req.query, onLine, onDone);
  if (settled) controller.abort();
  const stop = () => finish({ how: 'closed' });
  if (req.signal) {
    // An abort listener added after the abort never fires: check first.
    if (req.signal.aborted) stop();
    else {
      const signal = req.signal;
      signal.addEventListener('abort', stop, { once: true });
      void ended.then(() => signal.removeEventListener('abort', stop));
    }
  }
  return { ended, stop };
}
