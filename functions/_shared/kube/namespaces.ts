// The virtual namespace's labels, which host pods mirror (TranslateContext.namespaceLabels). One small GET
// per sync, no cache: a namespace label change is then seen by the very next sync of each of its pods.
import { unlessNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';

export async function readNamespaceLabels(side: KubeSide, name: string): Promise<Record<string, string> | undefined> {
  const ns = await unlessNotFound(side.call('get', (core) => core.readNamespace({ name })));
  return ns?.metadata?.labels ?? undefined;
}
