// Host mode's persistent volume controller and provisioner, as kind's control plane runs them (the PV
// controller plus rancher.io/local-path): a claim is bound to a matching Available volume, or one is
// provisioned for it from its class, at once for Immediate classes and once the scheduler has named a node
// (volume.kubernetes.io/selected-node) for WaitForFirstConsumer ones; volumes of deleted claims are
// Released and, with reclaimPolicy Delete, deleted. It also registers the default StorageClass `standard`.
import { isKubeError } from './errors.js';
import { parseQuantity } from './quantity.js';
import { persistentVolumeClaims, persistentVolumes, storageClasses } from './resources.js';
import { createVolumeCache, DEFAULT_CLASS_ANNOTATION } from './scheduler-volume-cache.js';
import { SELECTED_NODE } from './scheduler-volumes.js';
import { recordEvent } from './sim-events.js';
import type { Api, KubeObject, UserInfo, WatchHandle } from './types.js';
import { createWorkQueue } from './work-queue.js';

type Obj = Record<string, any>;

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
const USER: UserInfo = { username: 'system:serviceaccount:kube-system:persistent-volume-binder', groups: ['system:serviceaccounts', 'system:authenticated'] };
const WRITE = { dryRun: false, user: USER, fieldManager: 'kube-controller-manager' };
const CONTROLLER = 'persistentvolume-controller';

export const STANDARD_CLASS: KubeObject = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
};

const phaseOf = (o: KubeObject) => (o.status as Obj | undefined)?.phase as string | undefined;
const requestOf = (claim: KubeObject) => (claim.spec as Obj)?.resources?.requests?.storage as string | undefined;

/** A static volume fits a claim: same class, the access modes, enough capacity, the same volume mode. */
function fits(pv: KubeObject, claim: KubeObject): boolean {
  const ps = (pv.spec ?? {}) as Obj;
  const cs = (claim.spec ?? {}) as Obj;
  if (phaseOf(pv) !== 'Available' || (ps.claimRef && ps.claimRef.uid !== claim.metadata.uid)) return false;
  if ((ps.storageClassName ?? '') !== (cs.storageClassName ?? '')) return false;
  if (((cs.accessModes ?? []) as string[]).some((m) => !((ps.accessModes ?? []) as string[]).includes(m))) return false;
  if ((ps.volumeMode ?? 'Filesystem') !== (cs.volumeMode ?? 'Filesystem')) return false;
  return (parseQuantity(ps.capacity?.storage) ?? 0) >= (parseQuantity(requestOf(claim)) ?? 0);
}

export async function startVolumeBinder(api: Api, opts: { now?: () => Date } = {}): Promise<{ stop(): Promise<void> }> {
  const now = opts.now ?? (() => new Date());
  try {
    await api.create(storageClasses, undefined, structuredClone(STANDARD_CLASS), WRITE);
  } catch (err) {
    if (!isKubeError(err) || err.code !== 409) throw err; // kept across a restart
  }
  const cache = createVolumeCache();
  const claims = new Map<string, KubeObject>();
  const volumes = new Map<string, KubeObject>();
  const told = new Set<string>(); // claims already told they wait for a consumer

  const claimEvent = (claim: KubeObject, reason: string, message: string, component = CONTROLLER) =>
    recordEvent(api, WRITE, claim, { reason, message, component, involvedKind: 'PersistentVolumeClaim' }, now());

  async function bind(claim: KubeObject, pv: KubeObject): Promise<void> {
    const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion };
    let bound = pv;
    if ((pv.spec as Obj).claimRef?.uid !== claim.metadata.uid) {
      bound = (await api.patch(persistentVolumes, undefined, pv.metadata.name!, 'merge', { spec: { claimRef } }, WRITE)).object;
    }
    if (phaseOf(bound) !== 'Bound') await api.patch(persistentVolumes, undefined, pv.metadata.name!, 'merge', { status: { phase: 'Bound' } }, WRITE, 'status');
    const ns = claim.metadata.namespace;
    await api.patch(persistentVolumeClaims, ns, claim.metadata.name!, 'merge', {
      metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' } },
      spec: { volumeName: pv.metadata.name },
    }, WRITE);
    const ps = pv.spec as Obj;
    await api.patch(persistentVolumeClaims, ns, claim.metadata.name!, 'merge', { status: { phase: 'Bound', accessModes: ps.accessModes, capacity: ps.capacity } }, WRITE, 'status');
  }

  async function provision(claim: KubeObject, sc: KubeObject, node: string | undefined): Promise<void> {
    const { name, namespace, uid } = claim.metadata;
    const provisioner = String(sc.provisioner);
    const cs = claim.spec as Obj;
    const pvName = `pvc-${uid}`;
    await claimEvent(claim, 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    await api.patch(persistentVolumeClaims, namespace, name!, 'merge', { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-provisioner': provisioner, 'volume.kubernetes.io/storage-provisioner': provisioner } } }, WRITE);
    await claimEvent(claim, 'Provisioning', `External provisioner is provisioning volume for claim "${namespace}/${name}"`, `${provisioner}_local-path-provisioner`);
    const spec: Obj = {
      capacity: { storage: requestOf(claim) ?? '1Gi' }, accessModes: cs.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: (sc as Obj).reclaimPolicy ?? 'Delete', storageClassName: sc.metadata.name, volumeMode: cs.volumeMode ?? 'Filesystem',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid, resourceVersion: claim.metadata.resourceVersion },
      hostPath: { path: `/var/local-path-provisioner/${pvName}_${namespace}_${name}`, type: 'DirectoryOrCreate' },
    };
    if (node) spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } };
    const annotations: Record<string, string> = { 'pv.kubernetes.io/provisioned-by': provisioner };
    if (node) annotations['local.path.provisioner/selected-node'] = node;
    try {
      await api.create(persistentVolumes, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName, annotations }, spec }, WRITE);
    } catch (err) {
      if (!isKubeError(err) || err.code !== 409) throw err;
    }
    await claimEvent(claim, 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`, `${provisioner}_local-path-provisioner`);
  }

  async function reconcileClaim(claim: KubeObject): Promise<void> {
    const cs = (claim.spec ?? {}) as Obj;
    if (claim.metadata.deletionTimestamp) return;
    if (cs.volumeName) {
      const pv = volumes.get(cs.volumeName);
      if (pv && phaseOf(claim) !== 'Bound') await bind(claim, pv);
      return;
    }
    // A volume already reserved for this claim (claimRef) or a matching free one.
    const reserved = [...volumes.values()].find((pv) => (pv.spec as Obj).claimRef?.uid === claim.metadata.uid);
    const sc = cs.storageClassName ? cache.storageClass(cs.storageClassName) : undefined;
    const delayed = (sc as Obj | undefined)?.volumeBindingMode === 'WaitForFirstConsumer';
    const node = claim.metadata.annotations?.[SELECTED_NODE];
    if (reserved) return bind(claim, reserved);
    const match = [...volumes.values()].find((pv) => fits(pv, claim));
    if (match && !delayed) return bind(claim, match);
    if (delayed && !node) {
      if (!told.has(claim.metadata.uid!)) {
        told.add(claim.metadata.uid!);
        await claimEvent(claim, 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      }
      return;
    }
    if (sc && (sc as Obj).provisioner === LOCAL_PATH_PROVISIONER) await provision(claim, sc, node);
  }

  async function reconcileVolume(pv: KubeObject): Promise<void> {
    const ps = (pv.spec ?? {}) as Obj;
    if (pv.metadata.deletionTimestamp) return;
    if (!ps.claimRef) {
      if (phaseOf(pv) !== 'Available') await api.patch(persistentVolumes, undefined, pv.metadata.name!, 'merge', { status: { phase: 'Available' } }, WRITE, 'status');
      return;
    }
    const claim = claims.get(`${ps.claimRef.namespace}/${ps.claimRef.name}`);
    if (claim && claim.metadata.uid === ps.claimRef.uid) {
      if (phaseOf(pv) !== 'Bound' && (claim.spec as Obj).volumeName === pv.metadata.name) await api.patch(persistentVolumes, undefined, pv.metadata.name!, 'merge', { status: { phase: 'Bound' } }, WRITE, 'status');
      return;
    }
    if (phaseOf(pv) === 'Bound' || phaseOf(pv) === 'Pending') {
      // The claim is gone: Released, then deleted when the class says so.
      await api.patch(persistentVolumes, undefined, pv.metadata.name!, 'merge', { status: { phase: 'Released' } }, WRITE, 'status');
    }
    if (ps.persistentVolumeReclaimPolicy === 'Delete') await api.delete(persistentVolumes, undefined, pv.metadata.name!, {}, WRITE);
  }

  const queue = createWorkQueue(async (k) => {
    if (k.startsWith('pv:')) {
      const pv = volumes.get(k.slice(3));
      if (pv) await reconcileVolume(pv);
      return;
    }
    const claim = claims.get(k);
    if (claim) await reconcileClaim(claim);
  });
  const claimsOfClass = (name: string | undefined) => {
    for (const [k, c] of claims) if ((c.spec as Obj)?.storageClassName === name && !(c.spec as Obj)?.volumeName) queue.mark(k);
  };

  const watches: WatchHandle[] = [
    ...cache.watch(api, () => undefined),
    api.watch(persistentVolumeClaims, undefined, {}, (ev) => {
      const k = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
      if (ev.type === 'DELETED') {
        claims.delete(k);
        const pvName = (ev.object.spec as Obj)?.volumeName;
        for (const pv of volumes.values()) if (pv.metadata.name === pvName || (pv.spec as Obj).claimRef?.uid === ev.object.metadata.uid) queue.mark(`pv:${pv.metadata.name}`);
      } else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
        claims.set(k, ev.object);
        queue.mark(k);
      }
    }),
    api.watch(persistentVolumes, undefined, {}, (ev) => {
      const name = ev.object.metadata.name!;
      if (ev.type === 'DELETED') { volumes.delete(name); return; }
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
      volumes.set(name, ev.object);
      queue.mark(`pv:${name}`);
      const ref = (ev.object.spec as Obj).claimRef;
      if (ref) queue.mark(`${ref.namespace}/${ref.name}`);
      else claimsOfClass((ev.object.spec as Obj).storageClassName);
    }),
    api.watch(storageClasses, undefined, {}, (ev) => {
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') claimsOfClass(ev.object.metadata.name);
    }),
  ];

  return {
    async stop() {
      for (const w of watches) w.stop();
      await queue.stop();
    },
  };
}
