// Writing a status report to the virtual pod: bind it to the virtual node named after the host node (made
// on first use), then patch the status subresource. Shared by `sync` and `status`.
//
// The virtual status never goes back to an older host state, whichever job reports: the report's host
// resourceVersion is first recorded as applied (refused when a newer one was: the report is stale), and the
// patch is conditional on the virtual pod being unchanged since the report was planned. A report planned
// before another landed therefore either finds the newer mark or fails its precondition; on that 409 a
// status look is queued, which plans again from the freshest state. The patched pod the API returns is
// remembered for the next look (seen-virtual-pod.ts); a 409 forgets it, so that look reads the API.
import { hostPodName } from '../_shared/core/names.js';
import type { StatusReport } from '../_shared/core/plan.js';
import { nodeProxyStatusPatch, virtualNodeFor } from '../_shared/core/virtual-node.js';
import { ensureNode } from '../_shared/kube/cluster-objects.js';
import { isConflict } from '../_shared/kube/kube-errors.js';
import { bindPod, patchPodStatus } from '../_shared/kube/pods.js';
import { enqueueStatus } from '../_shared/queue/enqueue-status.js';
import { forgetVirtualPod, rememberVirtualPod } from './seen-virtual-pod.js';
import type { WorkerDeps } from './worker-deps.js';

export type ReportResult = 'applied' | 'stale' | 'conflict';

export async function reportToVirtual(virtual: { namespace: string; name: string; uid?: string }, report: StatusReport, deps: WorkerDeps): Promise<ReportResult> {
  const hostName = hostPodName(virtual.name, virtual.namespace, deps.cluster);
  if (deps.hostState && report.hostResourceVersion && !(await deps.hostState.markApplied(hostName, report.hostResourceVersion))) return 'stale';
  const precondition = report.virtualResourceVersion;
  let bound = false;
  if (report.nodeName) {
    if (!deps.knownVirtualNodes.has(report.nodeName)) {
      const proxy = deps.nodeProxy;
      await ensureNode(deps.virtual, virtualNodeFor(report.nodeName, deps.now(), proxy, report.status.hostIP), proxy && ((existing) => nodeProxyStatusPatch(existing, proxy)));
      deps.knownVirtualNodes.add(report.nodeName);
    }
    try {
      // Conditional on the pod as read, as a scheduler binds: of two reports planned from one read, one binds.
      await bindPod(deps.virtual, virtual.namespace, virtual.name, report.nodeName, { uid: virtual.uid, resourceVersion: precondition });
      bound = true;
    } catch (err) {
      if (!isConflict(err)) throw err;
      // Bound by a concurrent report, or changed since read: this report is stale; a fresh look plans again.
      if (precondition) return lookAgain(virtual, deps);
    }
  }
  if (Object.keys(report.patch.status).length > 0) {
    // Our own binding moved the resourceVersion, and it was exclusive (conditional on the same read): the
    // patch that completes it goes without the precondition.
    const conditional = bound ? undefined : precondition;
    let patched;
    try {
      patched = await patchPodStatus(deps.virtual, virtual.namespace, virtual.name, virtual.uid, report.patch.status, conditional);
    } catch (err) {
      if (!conditional || !isConflict(err)) throw err;
      return lookAgain(virtual, deps);
    }
    await rememberVirtualPod(deps, patched, report.hostResourceVersion);
  } else if (bound) {
    await forgetVirtualPod(deps, virtual); // the binding moved the pod and returned no pod to remember
  }
  return 'applied';
}

async function lookAgain(virtual: { namespace: string; name: string }, deps: WorkerDeps): Promise<'conflict'> {
  await forgetVirtualPod(deps, virtual);
  await enqueueStatus(deps.queues.status, { cluster: deps.cluster, kind: 'Pod', namespace: virtual.namespace, name: virtual.name }, deps.now());
  return 'conflict';
}
