// The few non-pod objects the syncer writes: the virtual Node a pod is bound to, the host copies of the
// configmaps and secrets a pod mounts, and Warning events on the virtual objects it syncs.
import type { CoreV1Event, V1ConfigMap, V1Node, V1ObjectMeta, V1Pod, V1Secret } from '@kubernetes/client-node';
import { sha256Hex } from '../core/names.js';
import { checkOwnership, type OwnerWanted, type Ownership } from '../core/ownership.js';
import { semanticEqual } from '../core/translate-status.js';
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
  // Shared copies (every pod of a namespace mounts kube-root-ca.crt) are mostly current: no write then.
  if (sameCopy(existing, desired)) return ownership;
  await ops.replace({ ...desired, metadata: { ...desired.metadata, resourceVersion: existing.metadata?.resourceVersion } });
  return ownership;
}

const COPY_PAYLOAD = ['data', 'binaryData', 'stringData', 'type', 'immutable'] as const;

/** The existing copy already holds what `desired` would write: payload, labels and annotations alike. */
function sameCopy(existing: { metadata?: V1ObjectMeta }, desired: { metadata?: V1ObjectMeta }): boolean {
  const payload = (o: object) => Object.fromEntries(COPY_PAYLOAD.map((k) => [k, (o as Record<string, unknown>)[k]]));
  return semanticEqual(payload(existing), payload(desired))
    && semanticEqual(existing.metadata?.labels ?? {}, desired.metadata?.labels ?? {})
    && semanticEqual(existing.metadata?.annotations ?? {}, desired.metadata?.annotations ?? {});
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

/** A write through the ownership check: the object written, or the conflict that kept it from being written. */
export type OwnedWrite<T> = { owned: true; object: T } | { owned: false; conflict: string };

/**
 * A secret podferry derives rather than copies (a pod's token secret), written fresh: created, or, when
 * the name is held by one whose provenance is exactly `want`, that one is deleted at the version read and
 * a new one created. The new uid matters: a host garbage collector about to delete the old secret (its
 * owner, an earlier host pod, is gone) deletes by uid, so it cannot take the new one.
 */
export async function recreateOwnedSecret(side: KubeSide, namespace: string, desired: V1Secret, want: OwnerWanted): Promise<OwnedWrite<V1Secret>> {
  const name = desired.metadata!.name!;
  const create = () => side.call('create', (core) => core.createNamespacedSecret({ namespace, body: desired }));
  try {
    return { owned: true, object: await create() };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await readSecret(side, namespace, name);
  if (existing) {
    const ownership = checkOwnership(existing.metadata, want);
    if (!ownership.owned) return ownership;
    const preconditions = { uid: existing.metadata?.uid, resourceVersion: existing.metadata?.resourceVersion };
    await unlessNotFound(side.call('delete', (core) => core.deleteNamespacedSecret({ namespace, name, body: { preconditions } })));
  }
  // Taken again in between: a 409 the job retries, reading afresh.
  return { owned: true, object: await create() };
}

/**
 * Replaces a secret podferry owns (`current`, as read: checked here) with `desired`, at the version read:
 * anything written in between is a 409 the job retries, never overwritten.
 */
export async function replaceOwnedSecret(side: KubeSide, namespace: string, current: V1Secret, desired: V1Secret, want: OwnerWanted): Promise<OwnedWrite<V1Secret>> {
  const ownership = checkOwnership(current.metadata, want);
  if (!ownership.owned) return ownership;
  const name = desired.metadata!.name!;
  const body = { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } };
  return { owned: true, object: await side.call('update', (core) => core.replaceNamespacedSecret({ namespace, name, body })) };
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
