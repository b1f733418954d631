// LIST as kube-apiserver serves it: selectors, resourceVersion semantics, and limit/continue pages that all
// read the snapshot of the first page (the continue token carries its resourceVersion).
import { badRequest, expired, timeout } from './errors.js';
import { apiVersionOf } from './resources.js';
import type { Store } from './store.js';
import type { KubeList, KubeObject, ListOptions, ResourceType } from './types.js';
import { parseResourceVersion, selectorFilter } from './watch-hub.js';

interface ContinueToken { rv: number; start: string }

const CONTINUE_TOO_OLD = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

export function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { v?: string; rv?: unknown; start?: unknown };
    if (t.v === 'meta.k8s.io/v1' && typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through to the real server's message
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Which snapshot to read: a continue token's, an exact one, or the current state. */
function snapshotRv(store: Store, opts: ListOptions, token: ContinueToken | undefined): number {
  const current = store.currentRv();
  if (token) {
    if (token.rv < store.oldestServableRv()) throw expired(CONTINUE_TOO_OLD);
    return token.rv;
  }
  const requested = parseResourceVersion(opts.resourceVersion);
  const match = opts.resourceVersionMatch;
  if (match && match !== 'Exact' && match !== 'NotOlderThan') {
    throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  if (match && requested === undefined) throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (requested !== undefined && requested > current) throw timeout(`Too large resource version: ${requested}, current: ${current}`);
  if (match === 'Exact' && requested !== undefined) {
    if (requested < store.oldestServableRv()) throw expired('The resourceVersion for the provided list is too old.');
    return requested;
  }
  return current;
}

/**
 * Items are the stored, frozen objects (shared, not copied): the HTTP layer serializes them, and an in-process
 * caller that wants to edit one clones it first. They carry kind and apiVersion, which every client accepts.
 */
export function listObjects(store: Store, resource: ResourceType, namespace: string | undefined, opts: ListOptions): KubeList {
  const filter = selectorFilter(resource, opts.labelSelector, opts.fieldSelector);
  const token = opts.continue ? decodeContinue(opts.continue) : undefined;
  const rv = snapshotRv(store, opts, token);
  let items = rv === store.currentRv() ? store.list(resource, namespace) : store.listAt(resource, namespace, rv);
  if (token) items = items.filter((o) => compareAfter(keyOf(o), token.start));
  if (filter) items = items.filter(filter);
  const list: KubeList = { kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(rv) }, items };
  const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
  if (limit !== undefined && items.length > limit) {
    list.items = items.slice(0, limit);
    list.metadata.continue = encodeContinue({ rv, start: keyOf(list.items[limit - 1]) });
    if (!filter) list.metadata.remainingItemCount = items.length - limit;
  }
  return list;
}

// Keys sort by namespace, then name; "ns/name" string order differs only when a namespace is a prefix of another.
function compareAfter(key: string, start: string): boolean {
  const [kn, km] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
  const [sn, sm] = [start.slice(0, start.indexOf('/')), start.slice(start.indexOf('/') + 1)];
  return kn > sn || (kn === sn && km > sm);
}
