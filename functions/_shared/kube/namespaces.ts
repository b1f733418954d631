// The virtual namespace's labels, which host pods mirror (TranslateContext.namespaceLabels): one small GET,
// shared for a short while through Redis when a cache is given (queue/namespace-labels.ts), so a burst of
// pods in one namespace reads it once; a namespace label change refreshes the copy (processors/namespace.ts).
import { parseNamespaceLabels, type NamespaceLabelsCache } from '../queue/namespace-labels.js';
import { unlessNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';

/** `known`: the shared copy as already read with other marks (undefined: read it here). */
export async function readNamespaceLabels(side: KubeSide, name: string, cache?: NamespaceLabelsCache, known?: { value: string | undefined }): Promise<Record<string, string> | undefined> {
  const cached = known ? parseNamespaceLabels(known.value) : cache ? await cache.get(name) : undefined;
  if (cached) return Object.keys(cached).length > 0 ? cached : undefined;
  return refreshNamespaceLabels(side, name, cache);
}

/** Reads the namespace from the API (and updates the shared copy): the labels, or undefined for none or no namespace. */
export async function refreshNamespaceLabels(side: KubeSide, name: string, cache?: NamespaceLabelsCache): Promise<Record<string, string> | undefined> {
  const ns = await unlessNotFound(side.call('get', (core) => core.readNamespace({ name })));
  const labels = ns?.metadata?.labels ?? undefined;
  if (cache && ns?.metadata?.resourceVersion) await cache.put(name, ns.metadata.resourceVersion, labels ?? {});
  return labels;
}
