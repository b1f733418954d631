// The virtual cluster's fake PersistentVolumes (core/fake-volume.ts), one API call each but the create, which
// also marks the volume Bound through its status subresource, as a binder would.
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { FAKE_VOLUME_LABEL } from '../core/fake-volume.js';
import { isNotFound, unlessNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';
import { jsonPatch } from './pods.js';

export function readVolume(side: KubeSide, name: string): Promise<V1PersistentVolume | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readPersistentVolume({ name })));
}

export async function createFakeVolume(side: KubeSide, body: V1PersistentVolume): Promise<void> {
  const created = await side.call('create', (core) => core.createPersistentVolume({ body }));
  await side.call('update', (core) => core.replacePersistentVolumeStatus({ name: created.metadata!.name!, body: { ...created, status: { phase: 'Bound' } } }));
}

/**
 * Deletes a fake volume (the uid a precondition) and lets it go: pv-protection would keep a Bound volume
 * forever, and nothing is attached to a fake one, so its finalizers are dropped (as vCluster does). false when
 * it was already gone.
 */
export async function deleteFakeVolume(side: KubeSide, name: string, uid: string | undefined): Promise<boolean> {
  try {
    await side.call('delete', (core) => core.deletePersistentVolume({ name, body: uid ? { preconditions: { uid } } : {} }));
    const ops = [...(uid ? [{ op: 'test', path: '/metadata/uid', value: uid }] : []), { op: 'replace', path: '/metadata/finalizers', value: [] }];
    await side.call('patch', (core) => core.patchPersistentVolume({ name, body: ops }, jsonPatch));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Every fake volume (by label): for a claim gone on both sides, whose volume's name nothing records any more. */
export async function listFakeVolumes(side: KubeSide): Promise<V1PersistentVolume[]> {
  return (await side.call('list', (core) => core.listPersistentVolume({ labelSelector: `${FAKE_VOLUME_LABEL}=true` }))).items;
}

/** Names the volume on the virtual claim, at the resourceVersion read (spec.volumeName may be set once). */
export function nameClaimVolume(side: KubeSide, read: V1PersistentVolumeClaim, volumeName: string): Promise<V1PersistentVolumeClaim> {
  const { namespace, name } = read.metadata as { namespace: string; name: string };
  const body = { ...read, apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { ...read.spec, volumeName } };
  return side.call('update', (core) => core.replaceNamespacedPersistentVolumeClaim({ namespace, name, body }));
}
