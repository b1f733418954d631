// The tenant is untrusted: it owns the virtual cluster, its webhook configuration included. These tests
// act as a hostile tenant on the whole stack and assert what the host ends up holding, watched from the
// first moment: no pod that breaks the policy, no write over another object's host name, no host token.
import t from 'tap';
import { AdmissionregistrationV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import { hostObjectName, hostPodName } from '../../functions/_shared/core/names.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
/** Every host pod name the host API ever announced during the run, from a watch started before any pod. */
const seenOnHost = new Set<string>();
let stopWatch: (() => void) | undefined;

t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 10 });
  const kc = new KubeConfig();
  kc.loadFromString(stack.host.kubeconfig);
  const req = await new Watch(kc).watch(`/api/v1/namespaces/${stack.endpoints.hostNamespace}/pods`, {}, (_type, obj: V1Pod) => {
    if (obj.metadata?.name) seenOnHost.add(obj.metadata.name);
  }, () => undefined);
  stopWatch = () => req.abort();
  // The tenant removes podferry's admission webhook: from here on, only the worker stands in the way.
  const admission = (() => { const v = new KubeConfig(); v.loadFromString(stack.virtual.kubeconfig); return v.makeApiClient(AdmissionregistrationV1Api); })();
  for (const hook of (await admission.listValidatingWebhookConfiguration()).items) await admission.deleteValidatingWebhookConfiguration({ name: hook.metadata!.name! });
});
t.teardown(async () => {
  stopWatch?.();
  await stack?.stop();
});

const hostNs = () => stack.endpoints.hostNamespace;
const vc = () => stack.endpoints.cluster;
const isReady = (pod: V1Pod | undefined) => pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const pod = (name: string, spec: Partial<NonNullable<V1Pod['spec']>> = {}, metadata: V1Pod['metadata'] = {}): V1Pod =>
  ({ metadata: { name, ...metadata }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec } });

async function ensureNamespace(name: string): Promise<void> {
  await stack.virtualCore.createNamespace({ body: { metadata: { name } } }).catch((err) => { if (err.code !== 409) throw err; });
}

async function warnings(namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await stack.virtualCore.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.type === 'Warning' && e.reason === 'SyncError');
}

async function readyVirtual(namespace: string, name: string): Promise<V1Pod> {
  return eventually(`${namespace}/${name} Ready`, async () => {
    const p = await stack.virtualCore.readNamespacedPod({ namespace, name });
    return isReady(p) && p;
  }, 30_000);
}

const violating: Array<{ name: string; why: RegExp; spec: Partial<NonNullable<V1Pod['spec']>> }> = [
  { name: 'priv', why: /securityContext\.privileged is true/, spec: { containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }] } },
  { name: 'hostnet', why: /spec\.hostNetwork is true/, spec: { hostNetwork: true } },
  { name: 'hostpid', why: /spec\.hostPID is true/, spec: { hostPID: true } },
  { name: 'root-mount', why: /spec\.volumes\[0\]\.hostPath is set/, spec: { volumes: [{ name: 'root', hostPath: { path: '/' } }], containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'root', mountPath: '/host' }] }] } },
];

t.test('when the webhook configuration is deleted, then pods that break the policy never reach the host and say why', async (t) => {
  for (const v of violating) await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod(v.name, v.spec) });
  for (const v of violating) {
    const [event] = await eventually(`SyncError on ${v.name}`, async () => { const w = await warnings('default', v.name); return w.length > 0 && w; }, 30_000);
    t.match(event.message, /^podferry refused to run this pod on the host cluster: the pod breaks \d+ rules? of the host policy: /, v.name);
    t.match(event.message, v.why, v.name);
    t.notOk(event.message!.includes(hostNs()), 'the event names no host namespace');
    const virtual = await stack.virtualCore.readNamespacedPod({ namespace: 'default', name: v.name });
    t.notOk(virtual.spec?.nodeName, `${v.name} stays unscheduled (Pending)`);
  }
  // A compliant pod created after them runs: the worker is alive, so the refusals above are decisions.
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('fine') });
  await readyVirtual('default', 'fine');
  // And a resync pass later, still nothing: resync re-plans every missing host pod through the same policy.
  await new Promise((r) => setTimeout(r, 11_000));
  for (const v of violating) t.notOk(seenOnHost.has(hostPodName(v.name, 'default', vc())), `no host pod for ${v.name} was ever created`);
  t.ok(seenOnHost.has(hostPodName('fine', 'default', vc())), 'the watch did see the compliant pod');
});

t.test('when a running pod is given host-acting metadata, then the host pod never carries it', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('meta', {}, { labels: { app: 'meta', 'sidecar.istio.io/inject': 'false', 'vcluster.loft.sh/object-name': 'forged' }, annotations: { 'podferry.dev/owner': 'forged' } }) });
  await readyVirtual('default', 'meta');
  const patch = { metadata: { annotations: { 'iam.amazonaws.com/role': 'arn:aws:iam::1:role/admin', 'k8s.v1.cni.cncf.io/networks': 'host-vlan', team: 'blue' } } };
  await stack.virtualCore.patchNamespacedPod({ namespace: 'default', name: 'meta', body: patch }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const host = await eventually('the harmless annotation reached the host', async () => {
    const h = await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName('meta', 'default', vc()) });
    return h.metadata?.annotations?.team === 'blue' && h;
  });
  const a = host.metadata?.annotations ?? {};
  const l = host.metadata?.labels ?? {};
  t.equal(a['iam.amazonaws.com/role'], undefined, 'no IAM role');
  t.equal(a['k8s.v1.cni.cncf.io/networks'], undefined, 'no extra network');
  t.equal(a['podferry.dev/owner'], undefined, 'no key in podferry\'s prefix from the tenant');
  t.equal(l['sidecar.istio.io/inject'], undefined, 'no mesh opt-out');
  t.equal(l.app, 'meta', 'ordinary labels still travel');
  t.equal(a['vcluster.loft.sh/object-name'], 'meta', 'provenance is podferry\'s, not forged');
});

t.test('when a pod in another namespace translates to the same host name, then it gets a conflict and the first pod is untouched', async (t) => {
  await ensureNamespace('c');
  await ensureNamespace('b-x-c');
  const mounted = (cm: string) => ({ volumes: [{ name: 'cfg', configMap: { name: cm } }], containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }] });
  await stack.virtualCore.createNamespacedConfigMap({ namespace: 'c', body: { metadata: { name: 'a-x-b' }, data: { owner: 'victim' } } });
  await stack.virtualCore.createNamespacedPod({ namespace: 'c', body: pod('a-x-b', mounted('a-x-b')) });
  await readyVirtual('c', 'a-x-b');
  const hostName = hostPodName('a-x-b', 'c', vc());
  t.equal(hostPodName('a', 'b-x-c', vc()), hostName, 'the two pods really collide');
  t.equal(hostObjectName('a', 'b-x-c', vc()), hostObjectName('a-x-b', 'c', vc()), 'and so do their configmaps');
  const before = await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName });

  // The same host pod name, from the intruder's namespace.
  await stack.virtualCore.createNamespacedPod({ namespace: 'b-x-c', body: pod('a', { containers: [{ name: 'app', image: 'evil:latest' }] }) });
  const [podConflict] = await eventually('conflict event on the intruder pod', async () => { const w = await warnings('b-x-c', 'a'); return w.length > 0 && w; }, 30_000);
  t.equal(podConflict.message, 'podferry cannot sync this pod to the host cluster: Pod b-x-c/a and Pod c/a-x-b of this virtual cluster translate to the same host name, and Pod c/a-x-b holds it; rename one of them');

  // The same host configmap name, mounted by another pod of the intruder's namespace.
  await stack.virtualCore.createNamespacedConfigMap({ namespace: 'b-x-c', body: { metadata: { name: 'a' }, data: { owner: 'intruder' } } });
  await stack.virtualCore.createNamespacedPod({ namespace: 'b-x-c', body: pod('z', mounted('a')) });
  const [cmConflict] = await eventually('conflict event on the configmap thief', async () => { const w = await warnings('b-x-c', 'z'); return w.length > 0 && w; }, 30_000);
  t.match(cmConflict.message, /ConfigMap b-x-c\/a and ConfigMap c\/a-x-b of this virtual cluster translate to the same host name/);

  // Deleting the intruder must not delete the victim's host pod as its "orphan".
  await stack.virtualCore.deleteNamespacedPod({ namespace: 'b-x-c', name: 'a' });
  await eventually('intruder gone', async () => (await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: 'b-x-c', name: 'a' }))) === undefined, 30_000);
  await new Promise((r) => setTimeout(r, 11_000)); // one resync later
  const after = await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName });
  t.equal(after.metadata?.uid, before.metadata?.uid, 'the victim\'s host pod is the same object');
  t.equal(after.spec?.containers[0].image, 'nginx', 'with its own image');
  t.equal(after.metadata?.annotations?.['vcluster.loft.sh/object-namespace'], 'c');
  const cm = await stack.hostCore.readNamespacedConfigMap({ namespace: hostNs(), name: hostObjectName('a-x-b', 'c', vc()) });
  t.same(cm.data, { owner: 'victim' }, 'the victim\'s host configmap still holds its data');
  t.notOk(seenOnHost.has(hostPodName('z', 'b-x-c', vc())), 'the configmap thief never got a host pod');
  t.ok(isReady(await stack.virtualCore.readNamespacedPod({ namespace: 'c', name: 'a-x-b' })), 'the victim is still Ready');
});

t.test('when a tenant secret asks the host token controller for a token, then its host copy is Opaque without the binding', async (t) => {
  await stack.virtualCore.createNamespacedSecret({ namespace: 'default', body: {
    metadata: { name: 'grab', annotations: { 'kubernetes.io/service-account.name': 'default', 'kubernetes.io/service-account.uid': 'host-sa-uid' } },
    type: 'kubernetes.io/service-account-token',
  } });
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('tok', { volumes: [{ name: 't', secret: { secretName: 'grab' } }], containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 't', mountPath: '/t' }] }] }) });
  await readyVirtual('default', 'tok');
  const host = await stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: hostObjectName('grab', 'default', vc()) });
  t.equal(host.type, 'Opaque');
  t.equal(host.metadata?.annotations?.['kubernetes.io/service-account.name'], undefined);
  t.equal(host.metadata?.annotations?.['kubernetes.io/service-account.uid'], undefined);
});

t.test('when a pod mounts a claim that does not exist yet, then the host pod names the translated claim and the virtual pod says it waits for it', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('claims', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }], containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] }) });
  const host = await eventually('host pod', () => readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName('claims', 'default', vc()) })), 30_000);
  t.equal(host.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, hostObjectName('data', 'default', vc()), 'never the raw claim name');
  // No claim "data" exists yet: the host scheduler holds the pod, and says so in virtual names.
  const event = await eventually('FailedScheduling event', async () => {
    const list = await stack.virtualCore.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=claims' });
    return list.items.find((e) => e.reason === 'FailedScheduling');
  }, 30_000);
  t.match(event.message, /persistentvolumeclaim "data" not found/);
  t.notOk(event.message!.includes(hostNs()), 'the event names no host object');
  t.notOk(event.message!.includes(hostObjectName('data', 'default', vc())), 'nor the host claim');
});
