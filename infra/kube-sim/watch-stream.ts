// A watch served over HTTP: chunked NDJSON, one event per line flushed as it happens. A resourceVersion too
// old for the history is answered as the cacher does (200, then one ERROR event with the 410 Status, then the
// end); timeoutSeconds ends the stream cleanly, after a last BOOKMARK when the client allows them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isKubeError } from './errors.js';
import type { Metrics } from './metrics.js';
import type { Api, KubeObject, ResourceType, WatchEvent, WatchHandle, WatchOptions } from './types.js';

export interface WatchRequest {
  resource: ResourceType;
  namespace: string | undefined;
  options: WatchOptions;
  /** Turns each event's object into what the client asked for (e.g. a one-row Table). */
  transform?: (object: KubeObject) => unknown;
  /** Cut the stream abruptly after this many ms (fault injection). */
  dropAfterMs?: number;
  /** Called once when the response starts (audit stage ResponseStarted). */
  onStarted?: () => void;
  /** Called once when the stream ends, whatever the cause. */
  onEnded?: () => void;
}

export interface OpenWatch {
  close(): void;
}

/**
 * Serves the watch; throws (before anything is written) for errors the real server reports as plain HTTP
 * errors, such as a bad selector.
 */
export function serveWatch(api: Api, metrics: Metrics, req: IncomingMessage, res: ServerResponse, w: WatchRequest, open: Set<OpenWatch>): void {
  const label = w.resource.plural;
  let started = false;
  let ended = false;
  const pending: string[] = [];
  const encode = (event: WatchEvent): string => {
    const object = w.transform && (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') ? w.transform(event.object) : event.object;
    return `${JSON.stringify({ type: event.type, object })}\n`;
  };
  const onEvent = (event: WatchEvent) => {
    if (ended) return;
    metrics.watchEvent(label);
    const line = encode(event);
    if (started) res.write(line);
    else pending.push(line);
  };

  let handle: WatchHandle | undefined;
  let expiredLine: string | undefined;
  try {
    handle = api.watch(w.resource, w.namespace, w.options, onEvent);
  } catch (err) {
    if (!isKubeError(err) || err.code !== 410) throw err;
    expiredLine = `${JSON.stringify({ type: 'ERROR', object: err.status })}\n`;
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  started = true;
  w.onStarted?.();
  if (expiredLine !== undefined) {
    res.end(expiredLine);
    w.onEnded?.();
    return;
  }
  for (const line of pending) res.write(line);
  pending.length = 0;
  metrics.watchOpened(label);

  const timers: NodeJS.Timeout[] = [];
  const finish = (how: 'clean' | 'drop' | 'gone') => {
    if (ended) return;
    if (how === 'clean' && handle && 'bookmark' in handle && typeof handle.bookmark === 'function') handle.bookmark();
    ended = true;
    handle?.stop();
    for (const t of timers) clearTimeout(t);
    open.delete(entry);
    metrics.watchClosed(label);
    if (how === 'drop') res.destroy();
    else if (how === 'clean') res.end();
    w.onEnded?.();
  };
  const entry: OpenWatch = { close: () => finish('clean') };
  open.add(entry);
  if (w.options.timeoutSeconds) timers.push(setTimeout(() => finish('clean'), w.options.timeoutSeconds * 1000));
  if (w.dropAfterMs) timers.push(setTimeout(() => finish('drop'), w.dropAfterMs));
  // The client went away: stop feeding a dead socket.
  res.on('close', () => finish('gone'));
  res.on('error', () => finish('gone'));
}
