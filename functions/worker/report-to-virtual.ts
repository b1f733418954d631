// Writing a status report to the virtual pod: bind it to the virtual node named after the host node (made
// on first use), then patch the status subresource. Shared by `sync` and `status`.
import type { StatusReport } from '../_shared/core/plan.js';
import { nodeProxyStatusPatch, virtualNodeFor } from '../_shared/core/virtual-node.js';
import { ensureNode } from '../_shared/kube/cluster-objects.js';
import { isConflict } from '../_shared/kube/kube-errors.js';
import { bindPod, patchPodStatus } from '../_shared/kube/pods.js';
import type { WorkerDeps } from './worker-deps.js';

export async function reportToVirtual(virtual: { namespace: string; name: string; uid?: string }, report: StatusReport, deps: WorkerDeps): Promise<void> {
  if (report.nodeName) {
    if (!deps.knownVirtualNodes.has(report.nodeName)) {
      const proxy = deps.nodeProxy;
      await ensureNode(deps.virtual, virtualNodeFor(report.nodeName, deps.now(), proxy, report.status.hostIP), proxy && ((existing) => nodeProxyStatusPatch(existing, proxy)));
      deps.knownVirtualNodes.add(report.nodeName);
    }
    try {
      await bindPod(deps.virtual, virtual.namespace, virtual.name, report.nodeName);
    } catch (err) {
      // Bound by a concurrent run already: the node is the same host node, nothing to do.
      if (!isConflict(err)) throw err;
    }
  }
  if (Object.keys(report.patch.status).length > 0) {
    await patchPodStatus(deps.virtual, virtual.namespace, virtual.name, virtual.uid, report.patch.status);
  }
}
