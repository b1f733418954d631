// PersistentVolumeClaims: the host claim a virtual claim becomes, the storage class map, the planner, and the
// fake PersistentVolume the virtual cluster shows for a bound claim.
import t from 'tap';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import {
  claimViolations, hostStorageClassName, parseStorageClassMap, planClaimSync, translateClaim, type ClaimSyncPlan,
} from '../../functions/_shared/core/translate-claim.js';
import { FAKE_VOLUME_LABEL, fakeVolumeFor, planFakeVolume } from '../../functions/_shared/core/fake-volume.js';

const ctx = { vcluster: 'vc', hostNamespace: 'vc-host', storageClasses: parseStorageClassMap('fast=premium-ssd') };
const ref = { namespace: 'shop', name: 'data' };
const HOST_NAME = 'data-x-shop-x-vc';

function virtualClaim(spec: V1PersistentVolumeClaim['spec'] = {}): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'data', namespace: 'shop', uid: 'v-uid', resourceVersion: '5', labels: { app: 'db' }, finalizers: ['kubernetes.io/pvc-protection'],
      annotations: { note: 'keep', 'volume.kubernetes.io/selected-node': 'virtual-says' },
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem', ...spec },
    status: { phase: 'Pending' },
  };
}

/** The host claim after the host bound it. */
function boundHost(virtual: V1PersistentVolumeClaim): V1PersistentVolumeClaim {
  const host = translateClaim(virtual, ctx);
  host.metadata = {
    ...host.metadata, uid: 'h-uid', resourceVersion: '300', finalizers: ['kubernetes.io/pvc-protection'],
    annotations: { ...host.metadata?.annotations, 'pv.kubernetes.io/bind-completed': 'yes', 'volume.kubernetes.io/selected-node': 'node-2' },
  };
  host.spec = { ...host.spec, volumeName: 'pvc-1234', storageClassName: host.spec?.storageClassName ?? 'standard' };
  host.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } };
  return host;
}

const plan = (virtual: V1PersistentVolumeClaim | undefined, host: V1PersistentVolumeClaim | undefined) => planClaimSync({ virtual, host, ref, ctx });
const is = <T extends ClaimSyncPlan['type']>(p: ClaimSyncPlan, type: T) => p as Extract<ClaimSyncPlan, { type: T }>;

t.test('when the storage class map is read, then entries map names and bad entries are named', async (t) => {
  t.same(parseStorageClassMap('fast=premium-ssd, slow=standard'), { fast: 'premium-ssd', slow: 'standard' });
  t.same(parseStorageClassMap(undefined), {});
  t.throws(() => parseStorageClassMap('fast'), /"fast" is invalid/);
  t.throws(() => parseStorageClassMap('a=b=c'), /invalid/);
  t.throws(() => parseStorageClassMap('Fast=x'), /invalid/);
  t.throws(() => parseStorageClassMap('a=b,a=c'), /maps a twice/);
});

const classTable: Array<[string, V1PersistentVolumeClaim, string | undefined]> = [
  ['a mapped class becomes the host class', virtualClaim({ storageClassName: 'fast' }), 'premium-ssd'],
  ['a class the map does not name keeps its name', virtualClaim({ storageClassName: 'standard' }), 'standard'],
  ['no class stays none (the host default class)', virtualClaim(), undefined],
  ['"" stays "" (static binding only)', virtualClaim({ storageClassName: '' }), ''],
];
for (const [name, claim, want] of classTable) {
  t.test(`when ${name}`, async (t) => t.equal(hostStorageClassName(claim, ctx.storageClasses), want));
}
t.test('when the class is only in the beta annotation, then it is mapped into the spec', async (t) => {
  const claim = virtualClaim();
  claim.metadata!.annotations!['volume.beta.kubernetes.io/storage-class'] = 'fast';
  const host = translateClaim(claim, ctx);
  t.equal(host.spec?.storageClassName, 'premium-ssd');
  t.notOk(host.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'], 'the annotation is a host-acting key: dropped');
});

t.test('when a claim is translated, then the request is kept, sources translated and binding marks dropped', async (t) => {
  const host = translateClaim(virtualClaim({ storageClassName: 'fast', dataSource: { kind: 'PersistentVolumeClaim', name: 'seed' }, dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' } }), ctx);
  t.equal(host.metadata?.name, HOST_NAME);
  t.equal(host.metadata?.namespace, 'vc-host');
  t.match(host.metadata?.annotations, { note: 'keep', 'vcluster.loft.sh/object-kind': '/v1, Kind=PersistentVolumeClaim', 'vcluster.loft.sh/object-uid': 'v-uid' });
  t.notOk(host.metadata?.annotations?.['volume.kubernetes.io/selected-node'], 'the virtual side\'s binding marks never reach the host');
  t.notOk(host.metadata?.finalizers, 'finalizers are the host\'s own');
  t.same(host.spec, {
    accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem', storageClassName: 'premium-ssd',
    dataSource: { kind: 'PersistentVolumeClaim', name: 'seed-x-shop-x-vc' },
    dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap-x-shop-x-vc' },
  });
});

t.test('when a claim binds a host volume by name or label, or restores across namespaces, then the references rule refuses it', async (t) => {
  const v = claimViolations(virtualClaim({ volumeName: 'pv-of-someone', selector: { matchLabels: { a: 'b' } }, dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'x', namespace: 'other' } }));
  t.same(v.map((x) => [x.rule, x.field]), [['references', 'spec.volumeName'], ['references', 'spec.selector'], ['references', 'spec.dataSourceRef.namespace']]);
  t.match(v[0].message, /spec.volumeName is set \(claim "data"\).*by name/);
  t.equal(plan(virtualClaim({ volumeName: 'pv-of-someone' }), undefined).type, 'refuse', 'nothing is written');
});

t.test('when only the virtual claim exists, then the host claim is created', async (t) => {
  const p = is(plan(virtualClaim(), undefined), 'create-host');
  t.equal(p.claim.metadata?.name, HOST_NAME);
});

t.test('when the host bound its claim, then the virtual claim gets its status (phase, capacity, access modes)', async (t) => {
  const virtual = virtualClaim();
  const p = is(plan(virtual, boundHost(virtual)), 'report-status');
  t.same(p.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
  t.same(p.virtual, { namespace: 'shop', name: 'data', uid: 'v-uid', resourceVersion: '5' });
});

t.test('when both agree, then nothing, whatever binding annotations and volume the host added', async (t) => {
  const virtual = virtualClaim();
  const host = boundHost(virtual);
  virtual.status = structuredClone(host.status);
  t.same(plan(virtual, host), { type: 'nothing', reason: 'in-sync' });
});

t.test('when the virtual request grows, then the host claim is replaced with it, keeping the host\'s binding', async (t) => {
  const virtual = virtualClaim({ resources: { requests: { storage: '5Gi' } } });
  const host = boundHost(virtualClaim());
  virtual.status = structuredClone(host.status);
  const p = is(plan(virtual, host), 'replace-host');
  t.same(p.changes, ['spec.resources.requests']);
  t.equal(p.claim.spec?.resources?.requests?.storage, '5Gi');
  t.equal(p.claim.spec?.volumeName, 'pvc-1234');
  t.same(p.claim.metadata?.finalizers, ['kubernetes.io/pvc-protection'], 'the host\'s pvc-protection stays');
  t.equal(p.claim.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  t.equal(p.claim.metadata?.resourceVersion, '300');
});

t.test('when the virtual claim is gone or being deleted, then the host claim is deleted (the host protects it while in use)', async (t) => {
  const virtual = virtualClaim();
  const host = boundHost(virtual);
  t.match(plan(undefined, host), { type: 'delete-host', reason: 'virtual-gone', host: { uid: 'h-uid' } });
  virtual.metadata!.deletionTimestamp = new Date();
  t.match(plan(virtual, host), { type: 'delete-host', reason: 'virtual-deleting' });
  host.metadata!.deletionTimestamp = new Date();
  t.same(plan(virtual, host), { type: 'nothing', reason: 'waiting-for-host-delete' }, 'once, not again while it terminates');
});

t.test('when the host claim goes on the host, then a bound virtual claim goes too and a pending one is made again', async (t) => {
  const bound = virtualClaim();
  bound.status = { phase: 'Bound' };
  t.match(plan(bound, undefined), { type: 'delete-virtual', virtual: { uid: 'v-uid' } });
  t.equal(plan(virtualClaim(), undefined).type, 'create-host');
  const deleting = boundHost(virtualClaim());
  deleting.metadata!.deletionTimestamp = new Date();
  t.match(plan(bound, deleting), { type: 'delete-virtual', reason: /being deleted on the host/ });
});

t.test('when the host claim under the name is not podferry\'s, then a conflict, and it is never deleted', async (t) => {
  const foreign: V1PersistentVolumeClaim = { metadata: { name: HOST_NAME, namespace: 'vc-host' }, spec: { accessModes: ['ReadWriteOnce'] } };
  t.match(plan(virtualClaim(), foreign), { type: 'conflict', message: /does not manage/ });
  t.same(plan(undefined, foreign), { type: 'nothing', reason: 'not-ours' });
});

t.test('when the virtual claim names the volume its host claim is bound to, then that is podferry\'s mirror and passes; any other name is refused', async (t) => {
  const virtual = virtualClaim();
  const host = boundHost(virtual);
  const mirrored = { ...virtual, spec: { ...virtual.spec, volumeName: 'pvc-1234' }, status: structuredClone(host.status) };
  t.equal(plan(mirrored, host).type, 'nothing', 'the host claim\'s own volume: in sync');
  t.equal(plan({ ...mirrored, spec: { ...mirrored.spec, volumeName: 'pvc-other' } }, host).type, 'refuse', 'another volume: refused');
  const foreign = { ...host, metadata: { ...host.metadata, annotations: {} } };
  t.equal(plan(mirrored, foreign).type, 'refuse', 'a host claim that is not podferry\'s proves nothing');
  t.notOk(translateClaim(mirrored, ctx).spec?.volumeName, 'and the host never gets a volumeName from the virtual claim');
});

t.test('when a host claim binds, then the virtual claim names its volume and a fake PersistentVolume shows it; it goes with the claim', async (t) => {
  const virtual = virtualClaim({ storageClassName: 'fast' });
  const host = boundHost(virtual);
  const named = { ...virtual, spec: { ...virtual.spec, volumeName: 'pvc-1234' } };
  const fake = fakeVolumeFor(named, host)!;
  t.match(fake, {
    metadata: { name: 'pvc-1234', labels: { [FAKE_VOLUME_LABEL]: 'true' } },
    spec: { flexVolume: { driver: 'fake' }, capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'fast', volumeMode: 'Filesystem', claimRef: { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data', uid: 'v-uid' } },
  });
  const someoneElses = { ...fake, spec: { ...fake.spec, claimRef: { ...fake.spec!.claimRef, name: 'other' } } };
  const cases: Array<[string, Parameters<typeof planFakeVolume>[0], string, Record<string, unknown>?]> = [
    ['host claim pending: nothing', { virtual, host: { ...host, status: { phase: 'Pending' } }, ref }, 'nothing'],
    ['no host claim: nothing', { virtual, ref }, 'nothing'],
    ['bound, volume not named yet: name it', { virtual, host, ref }, 'name-volume', { volumeName: 'pvc-1234' }],
    ['named, no fake volume: create it', { virtual: named, host, ref }, 'create', { volume: { metadata: { name: 'pvc-1234' } } }],
    ['named, fake volume there: in sync', { virtual: named, host, existing: fake, ref }, 'nothing', { reason: 'in-sync' }],
    ['a PersistentVolume of that name that is not the claim\'s: left alone', { virtual: named, host, existing: someoneElses, ref }, 'nothing', { reason: /not this claim's fake volume/ }],
    ['a tenant\'s own PersistentVolume of that name (no fake label): left alone', { virtual: named, host, existing: { ...fake, metadata: { name: 'pvc-1234' } }, ref }, 'nothing'],
    ['the virtual claim names another volume: nothing', { virtual: { ...virtual, spec: { ...virtual.spec, volumeName: 'pvc-9' } }, host, ref }, 'nothing'],
    ['the virtual claim is being deleted: the fake volume stays while it is there', { virtual: { ...named, metadata: { ...named.metadata, deletionTimestamp: new Date() } }, host, existing: fake, ref }, 'nothing'],
    ['the virtual claim is gone: its fake volume goes', { host, leftovers: [someoneElses, { ...fake, metadata: { ...fake.metadata, uid: 'pv-uid' } }], ref }, 'delete', { name: 'pvc-1234', uid: 'pv-uid' }],
    ['gone, and no fake volume names it: nothing', { leftovers: [someoneElses], ref }, 'nothing'],
  ];
  for (const [what, input, type, match] of cases) {
    const p = planFakeVolume(input);
    t.equal(p.type, type, what);
    if (match) t.match(p, match, `${what} (details)`);
  }
});
