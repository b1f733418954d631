// Table printers for the network and storage kinds: Endpoints, EndpointSlice, PersistentVolumeClaim,
// PersistentVolume and StorageClass, with the columns and cell formats of k8s
// pkg/printers/internalversion/printers.go (endpoints listed up to three, then "+ N more...").
import { age, AGE, col, NAME, type Printer } from './table-columns.js';
import { isDefaultClass } from './scheduler-volume-cache.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

function firstThree(items: string[]): string {
  if (!items.length) return '<none>';
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

function endpointsCell(ep: Obj): string {
  const out: string[] = [];
  for (const subset of (ep.subsets ?? []) as Obj[]) {
    const ports = (subset.ports ?? []) as Obj[];
    for (const a of (subset.addresses ?? []) as Obj[]) {
      if (!ports.length) out.push(a.ip);
      else for (const p of ports) out.push(`${a.ip}:${p.port}`);
    }
  }
  return firstThree(out);
}

const ACCESS_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const accessModes = (modes: string[] | undefined) => (modes ?? []).map((m) => ACCESS_MODES[m] ?? m).join(',');

const VOLUME_MODE = col('VolumeMode', 'string', 'Shows the volume mode', 1);
const VAC = col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc');

export const MORE_PRINTERS: Record<string, Printer> = {
  Endpoints: {
    columns: [NAME, col('Endpoints', 'string', 'Endpoints is the list of endpoints in the service.'), AGE],
    cells: (o, now) => [o.metadata.name, endpointsCell(o), age(o, now)],
  },
  EndpointSlice: {
    columns: [
      NAME, col('AddressType', 'string', 'The IP protocol for this slice'), col('Ports', 'string', 'The ports for this slice'),
      col('Endpoints', 'string', 'The endpoints for this slice'), AGE,
    ],
    cells: (o, now) => {
      const ports = ((o.ports ?? []) as Obj[]).map((p) => String(p.port ?? '')).filter(Boolean);
      const addresses = ((o.endpoints ?? []) as Obj[]).flatMap((e) => (e.addresses ?? []) as string[]);
      return [o.metadata.name, o.addressType ?? '', ports.length ? ports.join(',') : '<unset>', firstThree(addresses), age(o, now)];
    },
  },
  PersistentVolumeClaim: {
    columns: [
      NAME, col('Status', 'string', 'Status of the persistent volume claim'), col('Volume', 'string', 'Volume name'),
      col('Capacity', 'string', 'Capacity of the pvc'), col('Access Modes', 'string', 'The access modes of the pvc'),
      col('StorageClass', 'string', 'The storage class of the pvc'), VAC, AGE, VOLUME_MODE,
    ],
    cells: (o, now) => {
      const spec = (o.spec ?? {}) as Obj;
      const status = (o.status ?? {}) as Obj;
      const bound = !!spec.volumeName;
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : status.phase ?? '';
      return [o.metadata.name, phase, spec.volumeName ?? '', bound ? status.capacity?.storage ?? '' : '', bound ? accessModes(status.accessModes) : '',
        spec.storageClassName ?? '<unset>', spec.volumeAttributesClassName ?? '<unset>', age(o, now), spec.volumeMode ?? '<unset>'];
    },
  },
  PersistentVolume: {
    columns: [
      NAME, col('Capacity', 'string', 'Capacity of the pv'), col('Access Modes', 'string', 'The access modes of the pv'),
      col('Reclaim Policy', 'string', 'What happens to a persistent volume when released from its claim'),
      col('Status', 'string', 'Status of the persistent volume'), col('Claim', 'string', 'The claim the persistent volume is bound to'),
      col('StorageClass', 'string', 'StorageClass of the pv'), VAC, col('Reason', 'string', 'Reason of the persistent volume status'), AGE, VOLUME_MODE,
    ],
    cells: (o, now) => {
      const spec = (o.spec ?? {}) as Obj;
      const status = (o.status ?? {}) as Obj;
      const claim = spec.claimRef ? `${spec.claimRef.namespace}/${spec.claimRef.name}` : '';
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : status.phase ?? '';
      return [o.metadata.name, spec.capacity?.storage ?? '', accessModes(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? '', phase, claim,
        spec.storageClassName ?? '', spec.volumeAttributesClassName ?? '<unset>', status.reason ?? '', age(o, now), spec.volumeMode ?? '<unset>'];
    },
  },
  StorageClass: {
    columns: [
      NAME, col('Provisioner', 'string', 'Indicates the type of the provisioner.'), col('ReclaimPolicy', 'string', 'Indicates the type of the reclaim policy.'),
      col('VolumeBindingMode', 'string', 'Indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'string', 'Indicates whether the storage class allow volume expand.'), AGE,
    ],
    cells: (o: KubeObject, now: Date) => {
      const sc = o as Obj;
      return [isDefaultClass(o) ? `${o.metadata.name} (default)` : o.metadata.name, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate', String(sc.allowVolumeExpansion ?? false), age(o, now)];
    },
  },
};
