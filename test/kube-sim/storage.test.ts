// PersistentVolumeClaims end to end in host mode: the default StorageClass, a WaitForFirstConsumer claim
// provisioned on the node the scheduler picked, an Immediate one bound at once, the scheduler's refusals for
// missing and unbound claims, and the protection finalizer holding a claim while a pod uses it. In virtual
// mode claims stay Pending.
import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { events, persistentVolumeClaims, persistentVolumes, pods, storageClasses } from '../../infra/kube-sim/resources.js';
import { startVolumeBinder } from '../../infra/kube-sim/volume-binder.js';
import { startVolumeProtection } from '../../infra/kube-sim/volume-protection.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { condition, isReady, startHost, write, type Host } from './kubelet-harness.js';

type Obj = Record<string, any>;

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const claim = (name: string, spec: Obj = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...spec },
});
const user = (name: string, claimName: string) => ({
  containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
  volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
});
const find = (host: Host, resource: typeof pods, name: string, ns: string | undefined = 'default') => {
  try { return host.api.get(resource, ns, name) as Obj; } catch { return undefined; }
};

let host: Host;
const stops: Array<{ stop(): Promise<void> }> = [];
t.before(async () => {
  host = await startHost({ nodes: 3 });
  stops.push(await startVolumeBinder(host.api), startVolumeProtection(host.api));
});
t.teardown(async () => {
  for (const s of stops) await s.stop();
  await host.stop();
});

t.test('when a claim names no class, then it gets the default one and waits for a pod, then binds on its node', async (t) => {
  const sc = host.api.get(storageClasses, undefined, 'standard') as Obj;
  t.match(sc, { provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
  const created = await host.api.create(persistentVolumeClaims, 'default', claim('data'), write) as Obj;
  t.equal(created.spec.storageClassName, 'standard');
  t.same(created.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  t.equal(created.status.phase, 'Pending');
  await until('the WaitForFirstConsumer event', () => host.api.list(events, 'default', {}).items.find((e: Obj) => e.reason === 'WaitForFirstConsumer'));
  t.equal(find(host, persistentVolumeClaims, 'data')!.status.phase, 'Pending', 'no consumer yet, no volume');

  await host.createPod('db', user('db', 'data'));
  const running = await host.waitFor('db', isReady, 8000);
  const bound = await until('the claim bound', () => (find(host, persistentVolumeClaims, 'data')?.status.phase === 'Bound' ? find(host, persistentVolumeClaims, 'data') : undefined));
  const node = (running.spec as Obj).nodeName;
  t.match(bound, { metadata: { annotations: { 'volume.kubernetes.io/selected-node': node, 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { volumeName: `pvc-${bound.metadata.uid}` }, status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] } });
  const pv = find(host, persistentVolumes, bound.spec.volumeName, undefined)!;
  t.match(pv, {
    metadata: { finalizers: ['kubernetes.io/pv-protection'], annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } },
    spec: { storageClassName: 'standard', persistentVolumeReclaimPolicy: 'Delete', claimRef: { name: 'data', uid: bound.metadata.uid }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', values: [node] }] }] } } },
    status: { phase: 'Bound' },
  });
});

t.test('when a claim in use is deleted, then it waits for its pod, and its volume is deleted after it', async (t) => {
  const pvName = find(host, persistentVolumeClaims, 'data')!.spec.volumeName;
  await host.api.delete(persistentVolumeClaims, 'default', 'data', {}, write);
  t.ok(find(host, persistentVolumeClaims, 'data')?.metadata.deletionTimestamp, 'Terminating while the pod uses it');
  await host.api.delete(pods, 'default', 'db', { gracePeriodSeconds: 0 }, write);
  await until('the claim gone', () => !find(host, persistentVolumeClaims, 'data'));
  await until('the volume gone', () => !find(host, persistentVolumes, pvName, undefined));
  t.pass('claim and volume are gone');
});

t.test('when a pod names a missing claim or an unbound Immediate one, then it stays Pending with the scheduler\'s reason', async (t) => {
  await host.createPod('lost', user('lost', 'nope'));
  const lost = await host.waitFor('lost', (p) => condition(p, 'PodScheduled')?.status === 'False');
  t.equal(condition(lost, 'PodScheduled')?.message, '0/3 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..');

  await host.api.create(storageClasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner' } as KubeObject, write);
  await host.api.create(persistentVolumeClaims, 'default', claim('static', { storageClassName: 'manual' }), write);
  await host.createPod('waiting', user('waiting', 'static'));
  const waiting = await host.waitFor('waiting', (p) => condition(p, 'PodScheduled')?.status === 'False');
  t.match(condition(waiting, 'PodScheduled')?.message, /^0\/3 nodes are available: pod has unbound immediate PersistentVolumeClaims\. preemption:/);

  // A volume appears that fits: the binder binds the claim and the pod then schedules.
  await host.api.create(persistentVolumes, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'disk-1' }, spec: { storageClassName: 'manual', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/mnt/disk-1' } } } as KubeObject, write);
  await host.waitFor('waiting', isReady, 8000);
  t.match(find(host, persistentVolumeClaims, 'static'), { spec: { volumeName: 'disk-1' }, status: { phase: 'Bound', capacity: { storage: '5Gi' } } });
  t.match(find(host, persistentVolumes, 'disk-1', undefined), { spec: { persistentVolumeReclaimPolicy: 'Retain' }, status: { phase: 'Bound' } });
});

t.test('when a claim is made in a virtual cluster, then it has no class and stays Pending', async (t) => {
  const api = createApi();
  const protection = startVolumeProtection(api);
  t.teardown(() => protection.stop());
  const made = await api.create(persistentVolumeClaims, 'default', claim('v'), write) as Obj;
  t.notOk(made.spec.storageClassName);
  t.equal(made.status.phase, 'Pending');
  await api.delete(persistentVolumeClaims, 'default', 'v', {}, write);
  await until('an unused claim goes at once', () => {
    try { api.get(persistentVolumeClaims, 'default', 'v'); return undefined; } catch { return true; }
  });
  t.match(await api.patch(persistentVolumeClaims, 'default', 'x', 'apply', claim('x'), { ...write, fieldManager: 'test' }).then(async () => api.patch(persistentVolumeClaims, 'default', 'x', 'merge', { spec: { accessModes: ['ReadWriteMany'] } }, write).catch((e) => e.status)), {
    code: 422, message: /spec: Forbidden: spec is immutable after creation except resources\.requests/,
  });
});
