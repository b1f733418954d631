import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { isBeingDeleted } from './synced-object.js';

// The virtual cluster's view of a bound claim's volume, as vCluster shows it by default (persistentvolumes/
// fake_syncer.go): the virtual claim names the host claim's volume in spec.volumeName, and a PersistentVolume of
// that name exists in the virtual cluster (label vcluster.loft.sh/fake-pv, a `fake` flexVolume driver, claimRef
// to the virtual claim, Bound), so `kubectl get pv` and `kubectl describe pvc` show what a real cluster shows. It
// carries no volume source the tenant could use: nothing in the virtual cluster mounts anything. It goes once
// no virtual claim holds it.

export const FAKE_VOLUME_LABEL = 'vcluster.loft.sh/fake-pv';

/** The fake volume for a virtual claim whose host claim is bound; undefined while it is not. */
export function fakeVolumeFor(virtual: V1PersistentVolumeClaim, host: V1PersistentVolumeClaim | undefined): V1PersistentVolume | undefined {
  const name = host?.spec?.volumeName;
  if (!name || host?.status?.phase !== 'Bound' || isBeingDeleted(virtual)) return undefined;
  const meta = virtual.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      labels: { [FAKE_VOLUME_LABEL]: 'true' },
      annotations: { 'kubernetes.io/createdby': 'fake-pv-provisioner', 'pv.kubernetes.io/bound-by-controller': 'true', 'pv.kubernetes.io/provisioned-by': 'fake-pv-provisioner' },
    },
    spec: {
      flexVolume: { driver: 'fake' },
      // What the host provisioned (status), else what was asked for.
      capacity: structuredClone(host.status?.capacity ?? virtual.spec?.resources?.requests ?? {}),
      accessModes: [...(host.status?.accessModes ?? virtual.spec?.accessModes ?? [])],
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: meta.namespace, name: meta.name, uid: meta.uid },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: virtual.spec?.storageClassName ?? '',
      ...(virtual.spec?.volumeMode ? { volumeMode: virtual.spec.volumeMode } : {}),
    },
  };
}

/** The volume is podferry's fake one for exactly this virtual claim (the uid too, when the claim has one). */
export function isFakeVolumeOf(volume: V1PersistentVolume, claim: { namespace: string; name: string; uid?: string }): boolean {
  const ref = volume.spec?.claimRef;
  return volume.metadata?.labels?.[FAKE_VOLUME_LABEL] === 'true' && volume.spec?.flexVolume?.driver === 'fake'
    && ref?.kind === 'PersistentVolumeClaim' && ref.namespace === claim.namespace && ref.name === claim.name && (!claim.uid || ref.uid === claim.uid);
}

export type FakeVolumePlan =
  | { type: 'nothing'; reason: string }
  /** Name the host claim's volume on the virtual claim (spec.volumeName may be set once, as the binder does). */
  | { type: 'name-volume'; volumeName: string }
  | { type: 'create'; volume: V1PersistentVolume }
  | { type: 'delete'; name: string; uid?: string };

/**
 * The one next step for a claim's fake volume. `existing`: the virtual PersistentVolume named after the host
 * claim's volume, as read; `leftovers`: fake volumes that name this claim (when the virtual claim is gone).
 */
export function planFakeVolume(input: { virtual?: V1PersistentVolumeClaim; host?: V1PersistentVolumeClaim; existing?: V1PersistentVolume; leftovers?: V1PersistentVolume[]; ref: { namespace: string; name: string } }): FakeVolumePlan {
  const { virtual, host, existing, ref } = input;
  if (!virtual) {
    const gone = (input.leftovers ?? []).find((v) => isFakeVolumeOf(v, ref));
    return gone ? { type: 'delete', name: gone.metadata!.name!, uid: gone.metadata?.uid } : { type: 'nothing', reason: 'no claim, no fake volume' };
  }
  const want = fakeVolumeFor(virtual, host);
  if (!want) return { type: 'nothing', reason: 'the host claim is not bound' };
  const name = want.metadata!.name!;
  const claim = { namespace: ref.namespace, name: ref.name, uid: virtual.metadata?.uid };
  if (!virtual.spec?.volumeName) return { type: 'name-volume', volumeName: name };
  if (virtual.spec.volumeName !== name) return { type: 'nothing', reason: `the virtual claim names another volume (${virtual.spec.volumeName})` };
  if (!existing) return { type: 'create', volume: want };
  if (!isFakeVolumeOf(existing, claim)) return { type: 'nothing', reason: `a PersistentVolume ${name} that is not this claim's fake volume exists in the virtual cluster: left alone` };
  return { type: 'nothing', reason: 'in-sync' };
}
