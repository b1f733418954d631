// Watch on top of the store: replay from a resourceVersion (or synthetic ADDED for the current state), then
// live changes in commit order, with selector transitions turned into ADDED/DELETED as the real cacher does.
import { apiVersionOf } from './resources.js';
import { matchFieldSelector, matchLabelSelector, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest } from './errors.js';
import { resourceKey, type Change, type Store } from './store.js';
import type { KubeObject, ResourceType, WatchEvent, WatchHandle, WatchOptions } from './types.js';

/** What the HTTP layer gets back: it may ask for a bookmark, e.g. just before timeoutSeconds ends the stream. */
export interface BookmarkingWatchHandle extends WatchHandle {
  /** Sends a BOOKMARK with the current resourceVersion if the watcher asked for bookmarks. */
  bookmark(): void;
}

export interface WatchHubOptions {
  /** How often open watches that allow bookmarks receive one (the real server: about once a minute). */
  bookmarkIntervalMs?: number;
}

export type ObjectFilter = (obj: KubeObject) => boolean;

/** Parses both selectors once; throws 400 with the real messages. */
export function selectorFilter(resource: ResourceType, labelSelector?: string, fieldSelector?: string): ObjectFilter | undefined {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector, resource) : [];
  if (labels.length === 0 && fields.length === 0) return undefined;
  return (obj) => matchLabelSelector(labels, obj.metadata.labels) && matchFieldSelector(fields, obj);
}

export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  return Number(rv);
}

export class WatchHub {
  private readonly bookmarkIntervalMs: number;

  constructor(private readonly store: Store, opts: WatchHubOptions = {}) {
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
  }

  watch(resource: ResourceType, namespace: string | undefined, opts: WatchOptions, onEvent: (e: WatchEvent) => void): BookmarkingWatchHandle {
    if (opts.sendInitialEvents) throw badRequest('sendInitialEvents is not supported by this server; use list then watch');
    const filter = selectorFilter(resource, opts.labelSelector, opts.fieldSelector);
    const key = resourceKey(resource);
    const matches = (o: KubeObject | undefined) => !!o && (namespace === undefined || (o.metadata.namespace ?? '') === namespace) && (!filter || filter(o));
    let stopped = false;
    let unsubscribe = () => {};
    const handle: BookmarkingWatchHandle = { bookmark: () => {}, stop: () => { stopped = true; } };
    // Events go out one by one in commit order; copies keep an in-process watcher from touching the store.
    const send = (event: WatchEvent) => {
      if (stopped) return;
      try {
        onEvent(event);
      } catch (err) {
        // A failing watcher is cut off like a broken connection; the write that triggered it has committed
        // and must neither fail nor starve the other watchers.
        handle.stop();
        process.emitWarning(`kube-sim: watch on ${resource.plural} stopped after its handler threw: ${(err as Error).message}`);
      }
    };
    const emit = (type: WatchEvent['type'], object: KubeObject) => {
      if (!stopped) send({ type, object: structuredClone(object) as KubeObject });
    };
    const deliver = (c: Change) => {
      if (c.resourceKey !== key) return;
      const now = matches(c.object);
      if (c.type === 'ADDED') { if (now) emit('ADDED', c.object); return; }
      if (c.type === 'DELETED') { if (now || matches(c.previous)) emit('DELETED', c.object); return; }
      const before = matches(c.previous);
      if (now && before) emit('MODIFIED', c.object);
      else if (now) emit('ADDED', c.object);
      else if (before) emit('DELETED', c.object);
    };

    const from = parseResourceVersion(opts.resourceVersion);
    // Replay first (it may throw 410 before anything is subscribed), then go live: both happen synchronously,
    // so no commit can fall between them.
    if (from === undefined || from === 0) {
      for (const o of this.store.list(resource, namespace)) if (matches(o)) emit('ADDED', o);
    } else {
      for (const c of this.store.changesSince(from)) deliver(c);
    }
    if (stopped) return handle;
    unsubscribe = this.store.subscribe(deliver, resource);

    const bookmark = () => {
      if (!opts.allowWatchBookmarks || stopped) return;
      send({ type: 'BOOKMARK', object: { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(this.store.currentRv()) } } });
    };
    const timer = opts.allowWatchBookmarks ? setInterval(bookmark, this.bookmarkIntervalMs) : undefined;
    timer?.unref();
    handle.bookmark = bookmark;
    handle.stop = () => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      if (timer) clearInterval(timer);
    };
    return handle;
  }
}
