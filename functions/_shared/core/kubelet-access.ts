import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { hostPodName } from './names.js';
import { OBJECT_NAME_ANNOTATION, OBJECT_NAMESPACE_ANNOTATION, OBJECT_UID_ANNOTATION, isManagedHostPod, virtualRefOf } from './provenance.js';
import type { KubeletTarget } from './kubelet-request.js';

// What the node proxy may serve. The caller is the virtual API server, which the tenant owns: it may ask
// for any path, so every request is checked against the host pod's provenance here, never trusted. A pod
// that is not this virtual cluster's (another tenant's, an unmanaged host pod, a missing one) and a
// container the host pod lacks are refused alike, as vCluster's kubelet proxy refuses them (403).

export type KubeletAccessContext = { vcluster: string; hostNamespace: string };

export type KubeletAccess =
  | { allowed: true; hostNamespace: string; hostName: string }
  | { allowed: false; message: string };

export const FOREIGN_POD_MESSAGE = 'access denied: pod does not belong to this virtual cluster';

/** The host pod a target names, translated: the only pod the node proxy would read for it. */
export function hostPodFor(target: Pick<KubeletTarget, 'namespace' | 'pod'>, ctx: KubeletAccessContext): { namespace: string; name: string } {
  return { namespace: ctx.hostNamespace, name: hostPodName(target.pod, target.namespace, ctx.vcluster) };
}

function containerNames(pod: V1Pod): string[] {
  const spec = pod.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])].map((c) => c.name);
}

/** Allowed only when the host pod is managed by this vcluster for exactly this virtual pod, and has the container. */
export function checkKubeletAccess(hostPod: V1Pod | undefined, target: KubeletTarget, ctx: KubeletAccessContext): KubeletAccess {
  const denied = (message: string): KubeletAccess => ({ allowed: false, message });
  if (!hostPod || !isManagedHostPod(hostPod, ctx.vcluster, ctx.hostNamespace)) return denied(FOREIGN_POD_MESSAGE);
  const a = hostPod.metadata?.annotations ?? {};
  if (a[OBJECT_NAME_ANNOTATION] !== target.pod || a[OBJECT_NAMESPACE_ANNOTATION] !== target.namespace) return denied(FOREIGN_POD_MESSAGE);
  if (target.uid !== undefined && a[OBJECT_UID_ANNOTATION] !== target.uid) return denied(FOREIGN_POD_MESSAGE);
  if (target.container !== undefined && !containerNames(hostPod).includes(target.container)) {
    return denied(`access denied: container "${target.container}" is not a container of pod ${target.namespace}/${target.pod}`);
  }
  return { allowed: true, hostNamespace: hostPod.metadata!.namespace!, hostName: hostPod.metadata!.name! };
}

/**
 * The kubelet's `/pods` for the virtual API server: this vcluster's host pods (on `nodeName` when given),
 * each under its virtual name, namespace and uid, with the host status. Host-side identity (host name,
 * host labels and annotations, service account) stays out; so does every pod that fails isManagedHostPod.
 */
export function kubeletPodList(hostPods: readonly V1Pod[], ctx: KubeletAccessContext, nodeName?: string, runningOnly = false): V1PodList {
  const items: V1Pod[] = [];
  for (const hostPod of hostPods) {
    if (!isManagedHostPod(hostPod, ctx.vcluster, ctx.hostNamespace)) continue;
    if (nodeName !== undefined && hostPod.spec?.nodeName !== nodeName) continue;
    if (runningOnly && hostPod.status?.phase !== 'Running') continue;
    const ref = virtualRefOf(hostPod);
    if (!ref) continue;
    const containers = (hostPod.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image }));
    items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: ref.name, namespace: ref.namespace, ...(ref.uid ? { uid: ref.uid } : {}) },
      spec: { containers, ...(hostPod.spec?.nodeName ? { nodeName: hostPod.spec.nodeName } : {}) },
      ...(runningOnly ? {} : { status: hostPod.status ?? {} }),
    });
  }
  return { apiVersion: 'v1', kind: 'PodList', metadata: {}, items };
}
