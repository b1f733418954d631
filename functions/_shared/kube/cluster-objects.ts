// The few non-pod objects the syncer writes: the virtual Node a pod is bound to, the host copies of the
// configmaps and secrets a pod mounts, and Warning events on the virtual objects it syncs.
import type { CoreV1Event, V1ConfigMap, V1Node, V1ObjectMeta, V1Pod, V1Secret } from '@kubernetes/client-node';
import { sha256Hex } from '../core/names.js';
import { checkOwnership, type OwnerWanted, type Ownership } from '../core/ownership.js';
import { isAlreadyExists, isConflict, unlessNotFound } from './kube-errors.js';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
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

interface OwnedWrites<T extends { metadata?: V1ObjectMeta }> {
  create(body: T): Promise<unknown>;
  read(): Promise<T | undefined>;
  replace(body: T): Promise<unknown>;
}

/**
 * Create the host copy, or replace it, but only when the existing object's provenance names exactly the
 * virtual object (`want`); otherwise nothing is written and the conflict comes back for the pod's event.
 * The replace carries the resourceVersion that was checked, so an object swapped in between is a 409
 * (retried), never silently overwritten.
 */
async function upsertOwned<T extends { metadata?: V1ObjectMeta }>(ops: OwnedWrites<T>, desired: T, want: OwnerWanted): Promise<Ownership> {
  try {
    await ops.create(desired);
    return { owned: true };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await ops.read();
  if (!existing) throw Object.assign(new Error(`${want.kind} host copy vanished between create and read; retrying`), { code: 'ECONFLICT' });
  const ownership = checkOwnership(existing.metadata, want);
  if (!ownership.owned) return ownership;
  await ops.replace({ ...desired, metadata: { ...desired.metadata, resourceVersion: existing.metadata?.resourceVersion } });
  return ownership;
}

/** Whether the host name is free or ours for `want`: a missing virtual dependency must not resolve to someone else's copy. */
export async function hostNameOwnership(side: KubeSide, kind: 'ConfigMap' | 'Secret', hostName: string, want: OwnerWanted): Promise<Ownership> {
  const namespace = want.hostNamespace;
  const existing = kind === 'ConfigMap' ? await readConfigMap(side, namespace, hostName) : await readSecret(side, namespace, hostName);
  return existing ? checkOwnership(existing.metadata, want) : { owned: true };
}

export function upsertConfigMap(side: KubeSide, namespace: string, desired: V1ConfigMap, want: OwnerWanted): Promise<Ownership> {
  const name = desired.metadata!.name!;
  return upsertOwned({
    create: (body) => side.call('create', (core) => core.createNamespacedConfigMap({ namespace, body })),
    read: () => readConfigMap(side, namespace, name),
    replace: (body) => side.call('update', (core) => core.replaceNamespacedConfigMap({ namespace, name, body })),
  }, desired, want);
}

export function upsertSecret(side: KubeSide, namespace: string, desired: V1Secret, want: OwnerWanted): Promise<Ownership> {
  const name = desired.metadata!.name!;
  return upsertOwned({
    create: (body) => side.call('create', (core) => core.createNamespacedSecret({ namespace, body })),
    read: () => readSecret(side, namespace, name),
    replace: (body) => side.call('update', (core) => core.replaceNamespacedSecret({ namespace, name, body })),
  }, desired, want);
}

/** The object an event is about: a virtual pod, Service or PersistentVolumeClaim. */
export interface InvolvedObject {
  kind: 'Pod' | 'Service' | 'PersistentVolumeClaim';
  namespace: string;
  name: string;
  uid?: string;
}

/**
 * A Warning event on the virtual pod, so `kubectl describe pod` tells the user why a sync gave up. The
 * name is derived from the pod, reason and message, so the same warning again raises the count of one
 * event (as the event recorder's aggregation does) instead of adding an event per retry or resync.
 */
export function recordPodWarning(side: KubeSide, pod: V1Pod, reason: string, message: string, now: Date): Promise<void> {
  return recordWarning(side, { kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, ...(pod.metadata!.uid ? { uid: pod.metadata!.uid } : {}) }, reason, message, now);
}

/** The same for any object podferry syncs (`kubectl describe svc` / `describe pvc` shows it). */
export async function recordWarning(side: KubeSide, about: InvolvedObject, reason: string, message: string, now: Date): Promise<void> {
  const namespace = about.namespace;
  const name = `${about.name.slice(0, 200)}.${sha256Hex(`${about.kind === 'Pod' ? '' : `${about.kind}\n`}${about.uid ?? ''}\n${reason}\n${message}`).slice(0, 16)}`;
  try {
    await side.call('create', (core) => core.createNamespacedEvent({ namespace, body: warningEvent(about, name, reason, message, now) }));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await unlessNotFound(side.call('get', (core) => core.readNamespacedEvent({ namespace, name })));
    if (!existing) return;
    try {
      await side.call('update', (core) => core.replaceNamespacedEvent({ namespace, name, body: { ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: now } }));
    } catch (e) {
      if (!isConflict(e)) throw e; // a concurrent worker counted it: either count is the truth
    }
  }
}

function warningEvent(about: InvolvedObject, name: string, reason: string, message: string, now: Date): CoreV1Event {
  return {
    metadata: { name, namespace: about.namespace },
    involvedObject: { apiVersion: 'v1', kind: about.kind, name: about.name, namespace: about.namespace, ...(about.uid ? { uid: about.uid } : {}) },
    reason,
    message,
    type: 'Warning',
    source: { component: 'podferry' },
    reportingComponent: 'podferry',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}
