// The node proxy's reads of the host: the host pod behind one virtual pod (for the access check) and this
// virtual cluster's host pods (for the kubelet's /pods and /runningpods).
import type { V1Pod } from '@kubernetes/client-node';
import { checkKubeletAccess, hostPodFor, kubeletPodList, type KubeletAccess, type KubeletAccessContext } from '../_shared/core/kubelet-access.js';
import type { KubeletTarget } from '../_shared/core/kubelet-request.js';
import { MANAGED_BY_LABEL } from '../_shared/core/provenance.js';
import { virtualNodeHostname } from '../_shared/core/virtual-node.js';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import { listPodsPage, readPod } from '../_shared/kube/pods.js';

const PAGE = 500;

export async function accessFor(host: KubeSide, target: KubeletTarget, ctx: KubeletAccessContext): Promise<KubeletAccess> {
  const { namespace, name } = hostPodFor(target, ctx);
  return checkKubeletAccess(await readPod(host, namespace, name), target, ctx);
}

async function managedHostPods(host: KubeSide, ctx: KubeletAccessContext): Promise<V1Pod[]> {
  const pods: V1Pod[] = [];
  let continueToken: string | undefined;
  do {
    const page = await listPodsPage(host, ctx.hostNamespace, { labelSelector: `${MANAGED_BY_LABEL}=${ctx.vcluster}`, limit: PAGE, continueToken });
    pods.push(...page.items);
    continueToken = page.metadata?._continue || undefined;
  } while (continueToken);
  return pods;
}

/**
 * The Host header names the node only when the virtual API server dialled a node's own Hostname
 * (`<node>.nodes.podferry.local`, resolved to this proxy); with one shared address every node looks the
 * same, and /pods lists the cluster's pods on all of them.
 */
function nodeOfHost(hostHeader: string | undefined, pods: readonly V1Pod[]): string | undefined {
  const hostname = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
  return pods.map((p) => p.spec?.nodeName).find((n): n is string => !!n && virtualNodeHostname(n) === hostname);
}

export async function podListFor(host: KubeSide, ctx: KubeletAccessContext, hostHeader: string | undefined, runningOnly: boolean) {
  const pods = await managedHostPods(host, ctx);
  return kubeletPodList(pods, ctx, nodeOfHost(hostHeader, pods), runningOnly);
}
