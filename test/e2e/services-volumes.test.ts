// Services and PersistentVolumeClaims on the full stack: a virtual Service becomes a host Service whose
// ClusterIP comes back to it, its pods see it through service links (and not the host's services), a load
// balancer's address comes back, a claim becomes a host claim that binds and shows Bound, a pod with a claim
// runs (also one created before its claim), deletes take the host copies along, a host name held by something
// podferry does not manage is never written, and a virtual Service a crash took away in the middle of its
// re-creation comes back from the copy on its host Service. Resync is an hour away: audit and the host watch do it.
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { type CoreV1Event, type V1PersistentVolumeClaim, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { hostObjectName } from '../../functions/_shared/core/names.js';
import { RECREATE_MARKER_ANNOTATION, recreateMarker } from '../../functions/_shared/core/translate-service.js';
import { execIn as execInPod } from '../helpers/exec-in.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

const DNS = '10.96.0.10';
let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600, virtualDnsServer: DNS, storageClassMap: 'fast=standard' });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const hostName = (name: string) => hostObjectName(name, ns, stack.endpoints.cluster);
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const virtualService = (name: string) => readOrUndefined(() => stack.virtualCore.readNamespacedService({ namespace: ns, name }));
const hostService = (name: string) => readOrUndefined(() => stack.hostCore.readNamespacedService({ namespace: hostNs(), name: hostName(name) }));
const virtualClaim = (name: string) => readOrUndefined(() => stack.virtualCore.readNamespacedPersistentVolumeClaim({ namespace: ns, name }));
const hostClaim = (name: string) => readOrUndefined(() => stack.hostCore.readNamespacedPersistentVolumeClaim({ namespace: hostNs(), name: hostName(name) }));
const hostPod = (name: string) => readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName(name) }));
const readPod = (name: string) => stack.virtualCore.readNamespacedPod({ namespace: ns, name });
const eventsOf = async (kind: string, name: string): Promise<CoreV1Event[]> =>
  (await stack.virtualCore.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.involvedObject?.kind === kind);

const webService: V1Service = {
  metadata: { name: 'web', labels: { tier: 'front' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
};
const pod = (name: string, labels: Record<string, string>, extra: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }], ...extra },
});

const execIn = (podName: string, command: string[]) => execInPod(stack.virtual.kubeconfig, ns, podName, command);

t.test('when a virtual Service is created, then a host Service selects its pods and its host ClusterIP comes back', async (t) => {
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: webService });
  const host = await eventually('the host Service', () => hostService('web'), 30_000);
  t.same(host.spec?.selector, { app: 'web', 'vcluster.loft.sh/managed-by': stack.endpoints.cluster, 'vcluster.loft.sh/namespace': ns }, 'the selector of exactly this namespace\'s host pods');
  t.match(host.spec?.ports, [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
  t.equal(host.metadata?.labels?.tier, 'front');
  t.match(host.spec?.clusterIP, /^10\.\d+\.\d+\.\d+$/);
  const virtual = await eventually('the virtual Service with the host ClusterIP', async () => {
    const v = await virtualService('web');
    return v?.spec?.clusterIP === host.spec?.clusterIP && v;
  }, 30_000);
  t.same(virtual.spec?.clusterIPs, [host.spec!.clusterIP!]);
  t.same(virtual.spec?.selector, { app: 'web' }, 'the virtual Service keeps its own selector');
  t.equal(virtual.metadata?.labels?.tier, 'front', 're-created with its labels');
  await eventually('the host copy names the re-created virtual Service', async () => (await hostService('web'))?.metadata?.annotations?.['vcluster.loft.sh/object-uid'] === virtual.metadata?.uid, 30_000);
  t.notOk((await hostService('web'))?.metadata?.annotations?.['podferry.dev/recreating-virtual-service'], 'no recreate marker left behind');
});

t.test('when a pod of the Service runs, then the host endpoints name its host pod and its container sees the virtual Services, not the host\'s', async (t) => {
  // A Service of the host namespace's own: host pods must not get its variables.
  await stack.hostCore.createNamespacedService({ namespace: hostNs(), body: { metadata: { name: 'host-only' }, spec: { ports: [{ port: 9999 }] } } });
  const ip = (await eventually('web synced', async () => {
    const [v, h] = await Promise.all([virtualService('web'), hostService('web')]);
    return Boolean(v?.spec?.clusterIP) && v!.spec!.clusterIP === h?.spec?.clusterIP && v;
  }, 30_000)).spec!.clusterIP!;
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('web-1', { app: 'web' }, { containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'WEB_URL', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT)' }] }] }) });
  await eventually('web-1 Ready', async () => isReady(await readPod('web-1')), 30_000);
  const host = (await hostPod('web-1'))!;
  t.equal(host.spec?.enableServiceLinks, false, 'the host\'s own service links are off');
  const env = host.spec!.containers[0].env!;
  t.equal(env.find((e) => e.name === 'WEB_SERVICE_HOST')?.value, ip);
  t.equal(env.find((e) => e.name === 'WEB_PORT_80_TCP')?.value, `tcp://${ip}:80`);
  t.equal(env.find((e) => e.name === 'WEB_SERVICE_PORT_HTTP')?.value, '80');
  t.same({ policy: host.spec?.dnsPolicy, nameservers: host.spec?.dnsConfig?.nameservers, searches: host.spec?.dnsConfig?.searches },
    { policy: 'None', nameservers: [DNS], searches: [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'] }, 'DNS through the virtual cluster\'s server');
  const seen = await execIn('web-1', ['env']);
  t.match(seen, new RegExp(`^WEB_SERVICE_HOST=${ip.replaceAll('.', '\\.')}$`, 'm'), 'the container has the virtual Service\'s variable');
  t.match(seen, new RegExp(`^WEB_URL=http://${ip.replaceAll('.', '\\.')}:80$`, 'm'), 'and references to it resolve');
  t.notMatch(seen, /HOST_ONLY_SERVICE_HOST/, 'but none of the host namespace\'s services');
  const podIP = (await hostPod('web-1'))!.status!.podIP!;
  await eventually('the host endpoints select the host pod', async () => {
    const ep = await readOrUndefined(() => stack.hostCore.readNamespacedEndpoints({ namespace: hostNs(), name: hostName('web') }));
    return ep?.subsets?.some((s) => s.addresses?.some((a) => a.ip === podIP));
  }, 30_000);
  t.pass('the host Service routes to the virtual pod\'s host pod');
});

t.test('when a Service is created after pods of its namespace started, then a pod created later has its variables', async (t) => {
  // web-1's sync shared the namespace's links (shared-marks.ts); the new Service's job must make the next pod read them again.
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: { metadata: { name: 'api' }, spec: { selector: { app: 'api' }, ports: [{ port: 8081 }] } } });
  const ip = (await eventually('api synced', async () => {
    const [v, h] = await Promise.all([virtualService('api'), hostService('api')]);
    return Boolean(v?.spec?.clusterIP) && v!.spec!.clusterIP === h?.spec?.clusterIP && v;
  }, 30_000)).spec!.clusterIP!;
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('web-2', { app: 'web' }) });
  const host = await eventually('web-2 on the host', () => hostPod('web-2'), 30_000);
  const env = host.spec!.containers[0].env ?? [];
  t.equal(env.find((e) => e.name === 'API_SERVICE_HOST')?.value, ip, 'the Service created after web-1');
  t.ok(env.some((e) => e.name === 'WEB_SERVICE_HOST'), 'and the one before it');
});

t.test('when the host load balancer gets an address, then the virtual Service shows it', async (t) => {
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: { metadata: { name: 'public' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443 }] } } });
  const host = await eventually('the host Service', () => hostService('public'), 30_000);
  t.ok(host.spec?.ports?.[0].nodePort, 'the host allocated a node port');
  // What a cloud controller does on the host (read again on a conflict: podferry is still converging the copy).
  await eventually('the host status written', async () => {
    const current = (await hostService('public'))!;
    await stack.hostCore.replaceNamespacedServiceStatus({ namespace: hostNs(), name: hostName('public'), body: { ...current, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } } });
    return true;
  }, 30_000);
  const virtual = await eventually('the virtual status', async () => {
    const v = await virtualService('public');
    return v?.status?.loadBalancer?.ingress?.[0]?.ip === '203.0.113.10' && v;
  }, 30_000);
  const current = (await hostService('public'))!;
  t.equal(virtual.spec?.clusterIP, current.spec?.clusterIP, 'its ClusterIP is the host\'s');
  t.equal(virtual.spec?.ports?.[0].nodePort, current.spec?.ports?.[0].nodePort, 'and so is its node port');
});

t.test('when a headless Service is created, then the host Service is headless too and nothing is re-created', async (t) => {
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: { metadata: { name: 'peers' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } } });
  const host = await eventually('the host Service', () => hostService('peers'), 30_000);
  t.equal(host.spec?.clusterIP, 'None');
  const uid = (await virtualService('peers'))?.metadata?.uid;
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } } });
  const ext = await eventually('the ExternalName host Service', () => hostService('ext'), 30_000);
  t.match(ext.spec, { type: 'ExternalName', externalName: 'db.example.com' });
  t.equal((await virtualService('peers'))?.metadata?.uid, uid, 'the headless virtual Service kept its identity');
});

t.test('when a virtual Service is deleted, then its host Service goes', async (t) => {
  await eventually('peers synced', () => hostService('peers'), 30_000);
  await stack.virtualCore.deleteNamespacedService({ namespace: ns, name: 'peers' });
  await eventually('the host Service deleted', async () => (await hostService('peers')) === undefined, 30_000);
  t.pass('gone on both sides');
});

t.test('when the host name of a Service is taken by a Service podferry does not manage, then it is never written and the Service says why', async (t) => {
  const theirs = await stack.hostCore.createNamespacedService({ namespace: hostNs(), body: { metadata: { name: hostName('taken'), labels: { owner: 'host-admin' } }, spec: { selector: { app: 'admin' }, ports: [{ port: 81 }] } } });
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: { metadata: { name: 'taken' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
  const event = await eventually('a SyncError on the virtual Service', async () => (await eventsOf('Service', 'taken')).find((e) => e.reason === 'SyncError'), 30_000);
  t.match(event.message, /already taken by an object podferry does not manage/);
  t.notMatch(event.message, new RegExp(hostName('taken')), 'the message names no host object');
  const after = (await hostService('taken'))!;
  t.equal(after.metadata?.resourceVersion, theirs.metadata?.resourceVersion, 'the host Service was not written');
  await stack.virtualCore.deleteNamespacedService({ namespace: ns, name: 'taken' });
  await new Promise((r) => setTimeout(r, 1000)); // its delete's audit event and job had time to run
  t.ok(await hostService('taken'), 'and never deleted');
});

t.test('when a claim and a pod using it are created, then the host claim binds, the virtual claim shows Bound and the pod runs', async (t) => {
  const claim: V1PersistentVolumeClaim = { metadata: { name: 'data' }, spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
  await stack.virtualCore.createNamespacedPersistentVolumeClaim({ namespace: ns, body: claim });
  const host = await eventually('the host claim', () => hostClaim('data'), 30_000);
  t.equal(host.spec?.storageClassName, 'standard', 'the storage class mapped by STORAGE_CLASS_MAP');
  t.equal(host.status?.phase, 'Pending', 'WaitForFirstConsumer: pending until a pod uses it');
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('db', { app: 'db' }, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }], containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] }) });
  await eventually('db Ready', async () => isReady(await readPod('db')), 30_000);
  const bound = await eventually('the host claim Bound', async () => { const c = await hostClaim('data'); return c?.status?.phase === 'Bound' && c; }, 30_000);
  const virtual = await eventually('the virtual claim Bound', async () => { const c = await virtualClaim('data'); return c?.status?.phase === 'Bound' && c; }, 30_000);
  t.same(virtual.status?.capacity, bound.status?.capacity, 'with the host claim\'s capacity');
  t.same(virtual.status?.accessModes, ['ReadWriteOnce']);
  t.equal((await hostPod('db'))?.spec?.volumes?.[0].persistentVolumeClaim?.claimName, hostName('data'), 'the host pod mounts the host claim');
  // As vCluster shows it: the virtual claim names the host's volume, and a fake PersistentVolume of that name exists.
  const named = await eventually('the virtual claim names its volume', async () => { const c = await virtualClaim('data'); return Boolean(c?.spec?.volumeName) && c; }, 30_000);
  t.equal(named.spec?.volumeName, bound.spec?.volumeName, 'the host claim\'s volume');
  const pv = await eventually('the fake volume', () => readOrUndefined(() => stack.virtualCore.readPersistentVolume({ name: bound.spec!.volumeName! })), 30_000);
  t.match(pv, { metadata: { labels: { 'vcluster.loft.sh/fake-pv': 'true' } }, spec: { flexVolume: { driver: 'fake' }, claimRef: { namespace: ns, name: 'data', uid: named.metadata?.uid }, storageClassName: 'fast' } });
  t.same(pv.spec?.capacity, bound.status?.capacity);
  t.equal((await eventually('the fake volume Bound', async () => { const v = await stack.virtualCore.readPersistentVolume({ name: pv.metadata!.name! }); return v.status?.phase === 'Bound' && v; })).status?.phase, 'Bound');
  t.equal(await readOrUndefined(() => stack.hostCore.readPersistentVolume({ name: `${pv.metadata!.name!}-nope` })), undefined);
  const later = await eventually('no refusal for the name podferry wrote', async () => {
    const c = await virtualClaim('data');
    return c?.status?.phase === 'Bound' && c;
  }, 30_000);
  t.notOk((await eventsOf('PersistentVolumeClaim', 'data')).some((e) => e.reason === 'SyncError'), `the claim is not refused for its volumeName (${later.spec?.volumeName})`);
});

t.test('when kubectl lists Services and claims in the virtual cluster, then they show the host address and Bound', { skip: !hasKubectl && 'kubectl is not installed' }, async (t) => {
  const kubectl = kubectlIn('services-volumes');
  writeFileSync(kubectl.kubeconfig, stack.virtual.kubeconfig);
  const ip = (await hostService('web'))!.spec!.clusterIP!;
  const svc = await kubectl.run('get', 'service', 'web');
  t.equal(svc.code, 0, svc.stderr);
  t.match(svc.stdout, new RegExp(`^web\\s+ClusterIP\\s+${ip.replaceAll('.', '\\.')}\\s`, 'm'), 'CLUSTER-IP is the host Service\'s');
  const pvc = await kubectl.run('get', 'pvc', 'data');
  t.equal(pvc.code, 0, pvc.stderr);
  const volume = (await virtualClaim('data'))!.spec!.volumeName!;
  t.match(pvc.stdout, new RegExp(`^data\\s+Bound\\s+${volume}\\s`, 'm'), 'STATUS Bound, VOLUME the fake volume');
  const pv = await kubectl.run('get', 'pv');
  t.equal(pv.code, 0, pv.stderr);
  t.match(pv.stdout, new RegExp(`^${volume}\\s+\\S+\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s`, 'm'), 'kubectl get pv lists it, Bound to default/data');
});

t.test('when a pod is created before its claim, then it waits, and starts once the claim is created and synced', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('early-db', { app: 'early' }, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'late-data' } }] }) });
  const waiting = await eventually('the pod waiting for its claim', async () => (await eventsOf('Pod', 'early-db')).find((e) => e.reason === 'FailedScheduling'), 30_000);
  t.match(waiting.message, /persistentvolumeclaim "late-data" not found/, 'the host scheduler\'s words, in virtual names');
  t.notOk((await eventsOf('Pod', 'early-db')).some((e) => e.reason === 'VolumeNotSynced'), 'no "not synced yet" warning any more');
  await stack.virtualCore.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'late-data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
  await eventually('early-db Ready', async () => isReady(await readPod('early-db')), 30_000);
  await eventually('late-data Bound in the virtual cluster', async () => (await virtualClaim('late-data'))?.status?.phase === 'Bound', 30_000);
  t.pass('the pod runs on its claim');
});

t.test('when a claim in use is deleted, then it is kept while its pod runs and goes on both sides with the pod', async (t) => {
  await stack.virtualCore.deleteNamespacedPersistentVolumeClaim({ namespace: ns, name: 'data' });
  await eventually('the host claim being deleted', async () => Boolean((await hostClaim('data'))?.metadata?.deletionTimestamp), 30_000);
  t.ok(await hostClaim('data'), 'the host keeps it while the host pod uses it (pvc-protection)');
  t.ok(isReady(await readPod('db')), 'and the pod keeps running');
  await stack.virtualCore.deleteNamespacedPod({ namespace: ns, name: 'db' });
  await eventually('the host claim gone', async () => (await hostClaim('data')) === undefined, 30_000);
  await eventually('the virtual claim gone', async () => (await virtualClaim('data')) === undefined, 30_000);
  t.pass('gone on both sides');
  await eventually('its fake volume gone', async () => !(await stack.virtualCore.listPersistentVolume()).items.some((v) => v.spec?.claimRef?.name === 'data' && v.spec.claimRef.namespace === ns), 30_000);
  t.pass('and the fake volume with it');
});

t.test('when the host name of a claim is taken by a claim podferry does not manage, then neither it nor a pod using it is written', async (t) => {
  const theirs = await stack.hostCore.createNamespacedPersistentVolumeClaim({ namespace: hostNs(), body: { metadata: { name: hostName('shared') }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
  await stack.virtualCore.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'shared' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } } });
  const event = await eventually('a SyncError on the virtual claim', async () => (await eventsOf('PersistentVolumeClaim', 'shared')).find((e) => e.reason === 'SyncError'), 30_000);
  t.match(event.message, /already taken by an object podferry does not manage/);
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('thief', { app: 'thief' }, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'shared' } }] }) });
  const podEvent = await eventually('a SyncError on the pod', async () => (await eventsOf('Pod', 'thief')).find((e) => e.reason === 'SyncError'), 30_000);
  t.match(podEvent.message, /PersistentVolumeClaim default\/shared/);
  t.equal(await hostPod('thief'), undefined, 'no host pod mounts someone else\'s claim');
  const after = (await hostClaim('shared'))!;
  t.equal(after.metadata?.resourceVersion, theirs.metadata?.resourceVersion, 'the host claim was not written');
  t.equal(after.spec?.resources?.requests?.storage, '1Gi');
});

t.test('when a crash took the virtual Service away in the middle of its re-creation, then it is restored with the host ClusterIP', async (t) => {
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: { metadata: { name: 'quiet' }, spec: { selector: { app: 'q' }, ports: [{ port: 80 }] } } });
  const synced = await eventually('quiet synced', async () => {
    const [v, h] = await Promise.all([virtualService('quiet'), hostService('quiet')]);
    return Boolean(h?.spec?.clusterIP) && v?.spec?.clusterIP === h?.spec?.clusterIP && v?.metadata?.uid === h?.metadata?.annotations?.['vcluster.loft.sh/object-uid'] && v;
  }, 30_000) as V1Service;
  const host = (await hostService('quiet'))!;
  // Audit lost from here on: only the host watch sees what follows (resync is an hour away).
  stack.setAuditOutage(true);
  t.teardown(() => stack.setAuditOutage(false));
  // The state the crash leaves: the virtual Service deleted, not yet created again, the marker on the host copy
  // (in that order here: a marker beside a live virtual Service is simply converged away).
  host.metadata!.annotations = { ...host.metadata!.annotations, [RECREATE_MARKER_ANNOTATION]: recreateMarker({ ...synced, metadata: { ...synced.metadata, labels: { kept: 'yes' } } }) };
  await stack.virtualCore.deleteNamespacedService({ namespace: ns, name: 'quiet' });
  await stack.hostCore.replaceNamespacedService({ namespace: hostNs(), name: hostName('quiet'), body: host });
  const restored = await eventually('the virtual Service restored', async () => {
    const v = await virtualService('quiet');
    return v && v.metadata?.uid !== synced.metadata?.uid && v;
  }, 30_000);
  t.equal(restored.spec?.clusterIP, host.spec?.clusterIP, 'with the host\'s address');
  t.equal(restored.metadata?.labels?.kept, 'yes', 'from the copy kept in the marker');
  await eventually('the host copy names the restored Service, the marker gone', async () => {
    const h = await hostService('quiet');
    return h?.metadata?.annotations?.['vcluster.loft.sh/object-uid'] === restored.metadata?.uid && !h?.metadata?.annotations?.[RECREATE_MARKER_ANNOTATION];
  }, 30_000);
  t.pass('the host copy was kept and converged');
});
