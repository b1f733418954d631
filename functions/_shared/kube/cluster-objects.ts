// The few non-pod objects the syncer writes: the virtual Node a pod is bound to, the host copies of the
// configmaps and secrets a pod mounts, and Warning events on the virtual pod.
import type { CoreV1Event, V1ConfigMap, V1Node, V1Pod, V1Secret } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isAlreadyExists, unlessNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function readNode(side: KubeSide, name: string): Promise<V1Node | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readNode({ name })));
}

/**
 * Creates the node unless it exists; a concurrent creation by another worker counts as success. An existing
 * node gets `converge(existing)` as a merge patch of its status, when that returns one (e.g. a node made
 * before the node proxy's address was configured, or when it changed).
 */
export async function ensureNode(side: KubeSide, node: V1Node, converge?: (existing: V1Node) => object | undefined): Promise<void> {
  try {
    await side.call('create', (core) => core.createNode({ body: node }));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = converge && (await readNode(side, node.metadata!.name!));
    const patch = existing && converge(existing);
    if (patch) await side.call('patch', (core) => core.patchNodeStatus({ name: node.metadata!.name!, body: patch }, mergePatch));
  }
}

export function readConfigMap(side: KubeSide, namespace: string, name: string): Promise<V1ConfigMap | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readNamespacedConfigMap({ namespace, name })));
}

export function readSecret(side: KubeSide, namespace: string, name: string): Promise<V1Secret | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readNamespacedSecret({ namespace, name })));
}

/** Create, or replace the existing copy (level-triggered: the virtual object is the truth). */
async function upsert(create: () => Promise<unknown>, replace: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    await replace();
  }
}

export function upsertConfigMap(side: KubeSide, namespace: string, desired: V1ConfigMap): Promise<void> {
  const name = desired.metadata!.name!;
  return upsert(
    () => side.call('create', (core) => core.createNamespacedConfigMap({ namespace, body: desired })),
    () => side.call('update', (core) => core.replaceNamespacedConfigMap({ namespace, name, body: desired })),
  );
}

export function upsertSecret(side: KubeSide, namespace: string, desired: V1Secret): Promise<void> {
  const name = desired.metadata!.name!;
  return upsert(
    () => side.call('create', (core) => core.createNamespacedSecret({ namespace, body: desired })),
    () => side.call('update', (core) => core.replaceNamespacedSecret({ namespace, name, body: desired })),
  );
}

/** A Warning event on the virtual pod, so `kubectl describe pod` tells the user why a sync gave up. */
export async function recordPodWarning(side: KubeSide, pod: V1Pod, reason: string, message: string, now: Date): Promise<void> {
  const namespace = pod.metadata!.namespace!;
  const event: CoreV1Event = {
    metadata: { generateName: `${pod.metadata!.name}.`, namespace },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name, namespace, uid: pod.metadata!.uid },
    reason,
    message,
    type: 'Warning',
    source: { component: 'podferry' },
    reportingComponent: 'podferry',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
  await side.call('create', (core) => core.createNamespacedEvent({ namespace, body: event }));
}
