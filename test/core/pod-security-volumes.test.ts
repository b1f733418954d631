import t from 'tap';
import { pod, runTable } from '../helpers/pod-policy-table.js';

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';
const vol = (name: string, source: Record<string, unknown>) => ({ name, ...source });
const NODE_TYPES = ['gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'image', 'someFutureType'];

runTable(t, [
  // restrictedVolumes' allowed types, at every level
  { when: 'volumes use every allowed type', pod: pod({ volumes: [
    vol('a', { configMap: { name: 'c' } }), vol('b', { downwardAPI: { items: [] } }), vol('c', { emptyDir: {} }),
    vol('d', { ephemeral: { volumeClaimTemplate: { spec: {} } } }), vol('e', { persistentVolumeClaim: { claimName: 'x' } }),
    vol('f', { projected: { sources: [{ configMap: { name: 'c' } }, { secret: { name: 's' } }, { downwardAPI: { items: [] } }, { serviceAccountToken: { path: 't' } }] } }),
    vol('g', { secret: { secretName: 's' } }), vol('h', {}), vol('i', { hostPath: null }),
  ] }) },

  // hostPathVolumes (baseline) and hostPath in restrictedVolumes: one rule
  { when: 'the second volume is a hostPath', pod: pod({ volumes: [vol('tmp', { emptyDir: {} }), vol('logs', { hostPath: { path: '/var/log' } })] }), deny: [
    ['hostPath', 'spec.volumes[1].hostPath', `spec.volumes[1].hostPath is set (volume "logs", path "/var/log"): ${SHARED} may not mount directories of the host's nodes; use an emptyDir, configMap, secret or persistentVolumeClaim volume instead`],
  ] },
  { when: 'a hostPath has no path', pod: pod({ volumes: [vol('root', { hostPath: {} })] }), deny: [
    ['hostPath', 'spec.volumes[0].hostPath', /is set \(volume "root"\): /],
  ] },

  // podferry's volume-type allowlist: node-mounted types are refused at baseline too
  ...NODE_TYPES.map((type) => ({ when: `a volume is ${type}`, pod: pod({ volumes: [vol('data', { [type]: {} })] }), deny: [
    ['volumeTypes', `spec.volumes[0].${type}`, `spec.volumes[0].${type} is set (volume "data"): ${SHARED} may use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes, since the host's node mounts any other type (here "${type}") itself, with its own network and credentials; use a persistentVolumeClaim, or an emptyDir filled by an init container, instead`] as [string, string, string],
  ] })),
  { when: 'one volume is both nfs and hostPath', pod: pod({ volumes: [vol('x', { nfs: { server: 's', path: '/' }, hostPath: { path: '/' } })] }), deny: [
    ['hostPath', 'spec.volumes[0].hostPath'], ['volumeTypes', 'spec.volumes[0].nfs'],
  ] },

  // inline CSI volumes, by driver name
  { when: 'an inline CSI volume names a driver in CSI_DRIVERS', csiDrivers: 'a.example.com, secrets-store.csi.k8s.io', pod: pod({ volumes: [vol('s', { csi: { driver: 'secrets-store.csi.k8s.io' } })] }) },
  { when: 'an inline CSI volume names a driver and CSI_DRIVERS is empty', pod: pod({ volumes: [vol('s', { csi: { driver: 'secrets-store.csi.k8s.io', volumeAttributes: { secretProviderClass: 'x' } } })] }), deny: [
    ['csiDrivers', 'spec.volumes[0].csi.driver', `spec.volumes[0].csi.driver is "secrets-store.csi.k8s.io" (volume "s"): ${SHARED} may use inline CSI volumes only of the drivers the host admin allows (none), since a CSI driver acts on the node with its own credentials; use a persistentVolumeClaim, or ask the host admin to add the driver to CSI_DRIVERS`],
  ] },
  { when: 'an inline CSI volume names a driver outside CSI_DRIVERS', csiDrivers: 'b.example.com,a.example.com', pod: pod({ volumes: [vol('s', { csi: { driver: 'c.example.com' } })] }), deny: [
    ['csiDrivers', 'spec.volumes[0].csi.driver', /only of the drivers the host admin allows \("a\.example\.com" and "b\.example\.com"\)/],
  ] },
  { when: 'an inline CSI volume names no driver', csiDrivers: 'a.example.com', pod: pod({ volumes: [vol('s', { csi: {} })] }), deny: [
    ['csiDrivers', 'spec.volumes[0].csi.driver', /^spec\.volumes\[0\]\.csi\.driver is not set \(volume "s"\)/],
  ] },

  // projected sources
  { when: 'a projected volume asks for a pod certificate and a cluster trust bundle', pod: pod({ volumes: [vol('id', { projected: { sources: [{ secret: { name: 's' } }, { podCertificate: { signerName: 'example.com/x', keyType: 'ED25519' } }, { clusterTrustBundle: { signerName: 'example.com/x', path: 'ca' } }] } })] }), deny: [
    ['projectedSources', 'spec.volumes[0].projected.sources[1].podCertificate', `spec.volumes[0].projected.sources[1].podCertificate is set (volume "id"): ${SHARED} may not request certificates from the host cluster's signers, which would vouch for the pod to the host; remove the podCertificate source`],
    ['projectedSources', 'spec.volumes[0].projected.sources[2].clusterTrustBundle', /put the certificates in a configMap and project that instead$/],
  ] },
  { when: 'a projected source is of an unknown kind', pod: pod({ volumes: [vol('id', { projected: { sources: [{ somethingNew: {} }] } })] }), deny: [
    ['projectedSources', 'spec.volumes[0].projected.sources[0].somethingNew', /may project only configMap, secret, downwardAPI and serviceAccountToken sources; remove it$/],
  ] },

  // shapes
  { when: 'volumes is a map, not a list', pod: pod({ volumes: { a: 1 } }), deny: [['malformed', 'spec.volumes', 'spec.volumes is not a list']] },
  { when: 'a volume name is a number', pod: pod({ volumes: [{ name: 7, emptyDir: {} }] }), deny: [['malformed', 'spec.volumes[0].name', 'spec.volumes[0].name is not a string']] },
]);

t.test('when hostPath is lifted, then a hostPath volume passes both the hostPath rule and the volume-type allowlist', async (t) => {
  const { evaluatePodPolicy, parsePodPolicy } = await import('../../functions/_shared/core/policy.js');
  const p = pod({ volumes: [vol('logs', { hostPath: { path: '/var/log' } })] });
  for (const level of ['baseline', 'restricted']) t.same(evaluatePodPolicy(p, parsePodPolicy({ level, exceptions: 'hostPath' })), { allowed: true }, level);
  t.match(evaluatePodPolicy(p, parsePodPolicy({ exceptions: 'volumeTypes' })), { allowed: false, violations: [{ rule: 'hostPath' }] }, 'lifting volumeTypes does not allow hostPath');
});
