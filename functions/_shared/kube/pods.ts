// Thin operations on pods, one API call each, in the words the processors use. Absent objects are
// `undefined`, not exceptions; every other failure is left to classifyKubeError by the caller.
import { PatchStrategy, setHeaderOptions, type V1EphemeralContainer, type V1Pod, type V1PodList, type V1PodStatus } from '@kubernetes/client-node';
import { isNotFound, unlessNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** RFC 6902 JSON patches (list items by index, `test` ops as preconditions). */
export const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const strategicPatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export function readPod(side: KubeSide, namespace: string, name: string): Promise<V1Pod | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readNamespacedPod({ namespace, name })));
}

export function createPod(side: KubeSide, namespace: string, pod: V1Pod): Promise<V1Pod> {
  return side.call('create', (core) => core.createNamespacedPod({ namespace, body: pod }));
}

/** A JSON merge patch on the pod itself (labels, annotations, images: what a live pod lets change). */
export function patchPod(side: KubeSide, namespace: string, name: string, patch: object): Promise<V1Pod> {
  return side.call('patch', (core) => core.patchNamespacedPod({ namespace, name, body: patch }, mergePatch));
}

/** An RFC 6902 JSON patch on the pod itself: list items addressed by index, nothing else touched. */
export function patchPodJson(side: KubeSide, namespace: string, name: string, ops: readonly object[]): Promise<V1Pod> {
  return side.call('patch', (core) => core.patchNamespacedPod({ namespace, name, body: ops }, jsonPatch));
}

/**
 * Replaces the status through the status subresource. The uid in the patch is a precondition: a pod that was
 * deleted and re-created under the same name is never given the old pod's status. With a resourceVersion it
 * is also conditional on the pod not having changed since it was read (409 Conflict otherwise).
 */
export function patchPodStatus(side: KubeSide, namespace: string, name: string, uid: string | undefined, status: V1PodStatus | Record<string, unknown>, resourceVersion?: string): Promise<V1Pod> {
  const metadata = { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) };
  const body = Object.keys(metadata).length > 0 ? { metadata, status } : { status };
  return side.call('patch', (core) => core.patchNamespacedPodStatus({ namespace, name, body }, mergePatch));
}

/**
 * Appends ephemeral containers (`kubectl debug`) through the pods/ephemeralcontainers subresource, the only
 * way to add them: a strategic merge patch keyed by name, as kubectl debug sends it, so existing ones stay.
 */
export function addEphemeralContainers(side: KubeSide, namespace: string, name: string, containers: readonly V1EphemeralContainer[]): Promise<V1Pod> {
  return side.call('patch', (core) =>
    core.patchNamespacedPodEphemeralcontainers({ namespace, name, body: { spec: { ephemeralContainers: containers } } }, strategicPatch),
  );
}

/** A strategic merge patch on the status subresource (conditions merge by type, as the kubelet writes them). */
export function patchPodStatusStrategic(side: KubeSide, namespace: string, name: string, body: object): Promise<V1Pod> {
  return side.call('patch', (core) => core.patchNamespacedPodStatus({ namespace, name, body }, strategicPatch));
}

/**
 * Binds the pod to a node. With `expect`, the pod's uid and resourceVersion are preconditions (the API server
 * checks a Binding's own metadata against the pod), so of several binders that read the same pod one wins.
 */
export async function bindPod(side: KubeSide, namespace: string, name: string, nodeName: string, expect?: { uid?: string; resourceVersion?: string }): Promise<void> {
  const metadata = { name, namespace, ...(expect?.uid ? { uid: expect.uid } : {}), ...(expect?.resourceVersion ? { resourceVersion: expect.resourceVersion } : {}) };
  await side.call('create', (core) =>
    core.createNamespacedPodBinding({
      namespace,
      name,
      body: { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
    }),
  );
}

/** Deletes with a grace period and a uid precondition; `false` when the pod was already gone. */
export async function deletePod(side: KubeSide, namespace: string, name: string, opts: { gracePeriodSeconds?: number; uid?: string }): Promise<boolean> {
  try {
    await side.call('delete', (core) =>
      core.deleteNamespacedPod({
        namespace,
        name,
        body: {
          ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
          ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
        },
      }),
    );
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export function listPodsPage(side: KubeSide, namespace: string | undefined, opts: { labelSelector?: string; limit: number; continueToken?: string }): Promise<V1PodList> {
  const query = {
    labelSelector: opts.labelSelector,
    limit: opts.limit,
    ...(opts.continueToken ? { _continue: opts.continueToken } : {}),
  };
  return side.call('list', (core) =>
    namespace === undefined ? core.listPodForAllNamespaces(query) : core.listNamespacedPod({ namespace, ...query }),
  );
}
