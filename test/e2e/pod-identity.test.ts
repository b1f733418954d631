// Pod identity, end to end: a virtual pod gets a token for the virtual API server, the way vCluster does it
// by default. The worker asks the virtual simulator for a TokenRequest bound to the virtual pod, keeps the
// token in a host Secret owned by the host pod, mounts it where the kube-api-access volume was (with the
// virtual cluster's ca.crt and the namespace), points KUBERNETES_SERVICE_HOST/PORT at the virtual API server
// and renews the token before it expires. The virtual simulator then accepts that token as the pod's
// service account; a host secret someone else owns is never overwritten.
import { AuthenticationV1Api, CoreV1Api, KubeConfig, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { hostObjectName, hostPodName } from '../../functions/_shared/core/names.js';
import { TOKEN_REFRESH_AT_ANNOTATION } from '../../functions/_shared/core/service-account-token.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
let stack: TestStack;
const kubectl = kubectlIn('pod-identity');

t.before(async () => {
  // The injected projection asks for 3607 s; renewing after 0.03 % of it means about every second.
  stack = await startTestStack({ tokenRefreshFraction: 0.0003 });
  writeFileSync(kubectl.kubeconfig, stack.virtual.kubeconfig);
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const tokenSecretName = (pod: string) => hostObjectName(`${pod}-sa-token`, ns, stack.endpoints.cluster);
const pod = (name: string): V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const tokenIn = (s: V1Secret | undefined, key: string) => (s?.data?.[key] ? Buffer.from(s.data[key], 'base64').toString('utf8') : undefined);

/** A client of the virtual API server as a process in the pod would build it: address, CA and token. */
function inClusterClient(server: string, caPem: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caData: Buffer.from(caPem).toString('base64') }],
    users: [{ name: 'sa', token }], contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'sa' }], currentContext: 'in-cluster',
  });
  return kc;
}
const whoami = async (kc: KubeConfig) => (await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } })).status?.userInfo;
const status = (p: Promise<unknown>) => p.then(() => 200, (e: { code?: number }) => e.code);

async function readyPod(name: string): Promise<V1Pod> {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod(name) });
  return eventually(`${name} Running and Ready`, async () => {
    const p = await stack.virtualCore.readNamespacedPod({ namespace: ns, name });
    return isReady(p) && p;
  }, 30_000);
}

t.test('when a pod with the default service account runs, then its host secret holds a token the virtual API server accepts as that account', async (t) => {
  const virtualPod = await readyPod('who');
  const volume = virtualPod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
  t.ok(volume, 'the virtual API server injected the token volume');
  const hostPod = await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName('who', ns, stack.endpoints.cluster) });
  const secret = await stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: tokenSecretName('who') });
  t.equal(secret.type, 'Opaque');
  t.same(Object.keys(secret.data ?? {}), [volume.name], 'one token, keyed by the volume it is mounted from');
  t.same(secret.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Pod', hostPod.metadata!.name, hostPod.metadata!.uid]], 'owned by the host pod');
  t.equal(secret.metadata?.annotations?.['vcluster.loft.sh/object-uid'], virtualPod.metadata?.uid, 'provenance names the virtual pod');

  const kc = inClusterClient(stack.virtual.url, stack.virtual.caPem, tokenIn(secret, volume.name)!);
  const user = await whoami(kc);
  t.equal(user?.username, 'system:serviceaccount:default:default');
  t.same(user?.extra?.['authentication.kubernetes.io/pod-name'], ['who'], 'bound to the virtual pod');
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns });
  t.ok(pods.items.some((p) => p.metadata?.name === 'who'), 'GET /api/v1/namespaces/default/pods works with it');
});

t.test('when the host pod is read, then the token, ca.crt and namespace are mounted where the virtual pod asked, and the host token is not', async (t) => {
  const virtualPod = await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'who' });
  const volumeName = virtualPod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
  const hostPod = await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName('who', ns, stack.endpoints.cluster) });
  const spec = hostPod.spec!;
  t.equal(spec.automountServiceAccountToken, false, 'the host service account token is never mounted');
  t.notOk(JSON.stringify(spec).includes('serviceAccountToken'), 'no projected host token anywhere');
  t.same(spec.containers[0].volumeMounts?.find((m) => m.name === volumeName)?.mountPath, MOUNT);
  const sources = spec.volumes!.find((v) => v.name === volumeName)!.projected!.sources!;
  t.same(sources[0].secret, { name: tokenSecretName('who'), items: [{ key: volumeName, path: 'token' }] });
  t.same(sources[1].configMap?.items, [{ key: 'ca.crt', path: 'ca.crt' }]);
  t.equal(sources[2].downwardAPI?.items?.[0].path, 'namespace');
  const ca = await stack.hostCore.readNamespacedConfigMap({ namespace: hostNs(), name: sources[1].configMap!.name! });
  t.equal(ca.data?.['ca.crt'], stack.virtual.caPem, 'ca.crt is the virtual cluster\'s CA');
  const env = Object.fromEntries((spec.containers[0].env ?? []).map((e) => [e.name, e.value]));
  const api = new URL(stack.virtual.url);
  t.equal(env.KUBERNETES_SERVICE_HOST, api.hostname);
  t.equal(env.KUBERNETES_SERVICE_PORT, api.port);
  t.same(spec.hostAliases?.find((a) => a.hostnames?.includes('kubernetes.default.svc'))?.ip, api.hostname, 'kubernetes.default.svc resolves to the virtual API server');
});

t.test('when a client in the pod reads the mounted files and its environment, then it reaches the virtual API server as its service account', { skip: !hasKubectl && 'kubectl is not installed' }, async (t) => {
  const cat = async (file: string) => {
    const run = await kubectl.run('exec', 'who', '--', 'cat', `${MOUNT}/${file}`);
    t.equal(run.code, 0, `${file}: ${run.stderr}`);
    return run.stdout;
  };
  const [token, caPem, namespace] = [await cat('token'), await cat('ca.crt'), await cat('namespace')];
  t.equal(namespace, 'default');
  t.equal(caPem, stack.virtual.caPem);
  const env = await kubectl.run('exec', 'who', '--', 'env');
  const host = /^KUBERNETES_SERVICE_HOST=(.*)$/m.exec(env.stdout)?.[1];
  const port = /^KUBERNETES_SERVICE_PORT=(.*)$/m.exec(env.stdout)?.[1];
  t.ok(host && port, 'the container sees KUBERNETES_SERVICE_HOST and _PORT');
  const user = await whoami(inClusterClient(`https://${host}:${port}`, caPem, token));
  t.equal(user?.username, 'system:serviceaccount:default:default', 'the mounted token, the mounted CA and the env make a working in-cluster client');
});

t.test('when the token nears its expiry, then it is renewed in the same secret, and the renewed token works too', async (t) => {
  const virtualPod = await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'who' });
  const key = virtualPod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
  const first = await stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: tokenSecretName('who') });
  const renewed = await eventually('a renewed token', async () => {
    const s = await stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: tokenSecretName('who') });
    return tokenIn(s, key) !== tokenIn(first, key) && s;
  }, 30_000);
  t.equal(renewed.metadata?.uid, first.metadata?.uid, 'the same secret, replaced in place (the running pod keeps its mount)');
  t.ok(Date.parse(renewed.metadata!.annotations![TOKEN_REFRESH_AT_ANNOTATION]) > Date.parse(first.metadata!.annotations![TOKEN_REFRESH_AT_ANNOTATION]), 'the next renewal is later');
  t.same(renewed.metadata?.ownerReferences, first.metadata?.ownerReferences, 'still owned by the host pod');
  t.equal((await whoami(inClusterClient(stack.virtual.url, stack.virtual.caPem, tokenIn(renewed, key)!)))?.username, 'system:serviceaccount:default:default');

  // The renewal jobs carry the pod's reference only, and no job's log holds a token.
  const queue = stack.workers!.deps.queues.sync;
  const jobs = (await queue.getJobs(['completed', 'delayed', 'waiting', 'active'])).filter((j) => j?.name?.startsWith('token '));
  t.ok(jobs.length > 0, 'renewal jobs ran');
  const tokens = [tokenIn(first, key)!, tokenIn(renewed, key)!];
  for (const job of jobs) {
    t.ok(Object.keys(job.data).every((k) => ['cluster', 'kind', 'name', 'namespace', 'uid'].includes(k)), `${job.name}: a reference only`);
    const { logs } = await queue.getJobLogs(job.id!);
    const text = JSON.stringify([job.data, job.returnvalue, logs]);
    t.notOk(tokens.some((tok) => text.includes(tok) || text.includes(Buffer.from(tok).toString('base64'))), `${job.name}: no token in data, result or log`);
  }
});

t.test('when a second pod of the namespace starts, then it gets a token of its own', async (t) => {
  const second = await readyPod('second');
  const key = second.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
  const token = tokenIn(await stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: tokenSecretName('second') }), key)!;
  const user = await whoami(inClusterClient(stack.virtual.url, stack.virtual.caPem, token));
  t.same(user?.extra?.['authentication.kubernetes.io/pod-name'], ['second'], 'bound to its own pod');
});

t.test('when the host name of a pod\'s token secret is someone else\'s secret, then it is never overwritten and the pod says why', async (t) => {
  const name = tokenSecretName('taken');
  const theirs = await stack.hostCore.createNamespacedSecret({ namespace: hostNs(), body: { metadata: { name }, stringData: { owner: 'the host admin' } } });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('taken') });
  const event = await eventually('a SyncError event on the virtual pod', async () => {
    const events = await stack.virtualCore.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=taken' });
    return events.items.find((e) => e.reason === 'SyncError');
  }, 30_000);
  t.match(event.message, /service account token secret is taken by an object podferry does not manage/);
  t.notMatch(event.message, new RegExp(hostNs()), 'in virtual terms');
  const after = await stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name });
  t.equal(after.metadata?.resourceVersion, theirs.metadata?.resourceVersion, 'not written');
  t.same(after.data, { owner: Buffer.from('the host admin').toString('base64') });
  t.equal(await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName('taken', ns, stack.endpoints.cluster) })), undefined, 'no host pod without its token');
});

t.test('when the virtual pod is deleted, then the token secret goes with its host pod and the token stops working', async (t) => {
  const virtualPod = await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'who' });
  const key = virtualPod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
  const token = tokenIn(await stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: tokenSecretName('who') }), key)!;
  await stack.virtualCore.deleteNamespacedPod({ namespace: ns, name: 'who' });
  await eventually('the token secret gone', async () => (await readOrUndefined(() => stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: tokenSecretName('who') }))) === undefined, 30_000);
  t.equal(await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName('who', ns, stack.endpoints.cluster) })), undefined, 'the host pod is gone');
  // The virtual pod is finalized once its host pod is gone; from then on its tokens authenticate no one.
  await eventually('the virtual pod gone', async () => (await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'who' }))) === undefined, 30_000);
  t.equal(await status(whoami(inClusterClient(stack.virtual.url, stack.virtual.caPem, token))), 401, 'a token bound to a deleted pod is refused');
});
