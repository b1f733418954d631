import type { Check } from './check.js';
import { SHARED, listing, q } from './messages.js';
import { own, type Obj } from './read.js';

// What a pod may mount. psa v0.36.2 check_hostPathVolumes.go (baseline) and check_restrictedVolumes.go
// (restricted), then podferry's own rules, which hold at every level: every volume type the node mounts
// itself (nfs, iscsi, rbd, cephfs, glusterfs, flexVolume, cloud disks, gitRepo, which runs git on the node)
// reaches storage or runs code with the node's network and credentials, so only restricted's list is
// allowed, and of it `image` is left out (issue 8's list; upstream allows it since v0.33). hostPath has
// its own rule, so lifting `hostPath` is enough to allow it.

/** The volume types a pod may use at every level. */
export const ALLOWED_VOLUME_TYPES: readonly string[] = Object.freeze([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret',
]);
const ALLOWED = new Set([...ALLOWED_VOLUME_TYPES, 'hostPath']);

/** The fields set on a volume (but its name) or a projected source: which kinds it is. */
function setKeys(o: Obj, except?: string): string[] {
  return Object.keys(o).filter((k) => k !== except && own(o, k) !== undefined && own(o, k) !== null);
}

const hostPath: Check = {
  name: 'hostPath', origin: 'baseline', upstream: ['hostPathVolumes', 'restrictedVolumes'],
  summary: 'No hostPath volumes.',
  run({ pod, read, report }) {
    for (const { item, path } of read.objects(pod.spec, 'volumes', 'spec')) {
      if (own(item, 'hostPath') === undefined || own(item, 'hostPath') === null) continue;
      const name = read.str(item, 'name', path) ?? '';
      const dir = read.str(read.obj(item, 'hostPath', path), 'path', `${path}.hostPath`);
      const field = `${path}.hostPath`;
      report(field, `${field} is set (volume ${q(name)}${dir === undefined ? '' : `, path ${q(dir)}`}): ${SHARED} may not mount directories of the host's nodes; use an emptyDir, configMap, secret or persistentVolumeClaim volume instead`);
    }
  },
};

const volumeTypes: Check = {
  name: 'volumeTypes', origin: 'host', upstream: ['restrictedVolumes'],
  summary: `Volumes only of the types ${listing(ALLOWED_VOLUME_TYPES)} (hostPath is its own rule), at every level.`,
  run({ pod, read, report }) {
    for (const { item, path } of read.objects(pod.spec, 'volumes', 'spec')) {
      const name = read.str(item, 'name', path) ?? '';
      for (const type of setKeys(item, 'name').filter((k) => !ALLOWED.has(k))) {
        const field = `${path}.${type}`;
        report(field, `${field} is set (volume ${q(name)}): ${SHARED} may use only ${listing(ALLOWED_VOLUME_TYPES)} volumes, since the host's node mounts any other type (here ${q(type)}) itself, with its own network and credentials; use a persistentVolumeClaim, or an emptyDir filled by an init container, instead`);
      }
    }
  },
};

const csiDrivers: Check = {
  name: 'csiDrivers', origin: 'host', upstream: [],
  summary: 'Inline csi volumes only of drivers named in CSI_DRIVERS (none by default).',
  run({ pod, read, report, policy }) {
    const allowed = policy.csiDrivers.length > 0 ? listing(policy.csiDrivers.map(q)) : 'none';
    for (const { item, path } of read.objects(pod.spec, 'volumes', 'spec')) {
      const csi = read.obj(item, 'csi', path);
      if (!csi) continue;
      const driver = read.str(csi, 'driver', `${path}.csi`);
      if (driver !== undefined && policy.csiDrivers.includes(driver)) continue;
      const field = `${path}.csi.driver`;
      report(field, `${field} is ${driver === undefined ? 'not set' : q(driver)} (volume ${q(read.str(item, 'name', path) ?? '')}): ${SHARED} may use inline CSI volumes only of the drivers the host admin allows (${allowed}), since a CSI driver acts on the node with its own credentials; use a persistentVolumeClaim, or ask the host admin to add the driver to CSI_DRIVERS`);
    }
  },
};

// serviceAccountToken sources are allowed: the translator removes them or swaps in the virtual token
// (service-account-token.ts), so the host's token never reaches the pod.
const PROJECTED_SOURCES = new Set(['configMap', 'secret', 'downwardAPI', 'serviceAccountToken']);
const SOURCE_REASONS: Record<string, string> = {
  podCertificate: "may not request certificates from the host cluster's signers, which would vouch for the pod to the host; remove the podCertificate source",
  clusterTrustBundle: "may not read the host cluster's ClusterTrustBundles; put the certificates in a configMap and project that instead",
};

const projectedSources: Check = {
  name: 'projectedSources', origin: 'host', upstream: [],
  summary: 'Projected volumes only from configMap, secret, downwardAPI and serviceAccountToken sources (no podCertificate, no clusterTrustBundle).',
  run({ pod, read, report }) {
    for (const { item, path } of read.objects(pod.spec, 'volumes', 'spec')) {
      const name = read.str(item, 'name', path) ?? '';
      for (const source of read.objects(read.obj(item, 'projected', path), 'sources', `${path}.projected`)) {
        for (const key of setKeys(source.item).filter((k) => !PROJECTED_SOURCES.has(k))) {
          const field = `${source.path}.${key}`;
          const why = own(SOURCE_REASONS, key) as string | undefined ?? 'may project only configMap, secret, downwardAPI and serviceAccountToken sources; remove it';
          report(field, `${field} is set (volume ${q(name)}): ${SHARED} ${why}`);
        }
      }
    }
  },
};

export const volumeChecks: readonly Check[] = [hostPath, volumeTypes, csiDrivers, projectedSources];
