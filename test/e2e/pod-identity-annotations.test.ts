// Pod identity in 'annotation' mode (SERVICE_ACCOUNT_TOKENS=annotation, vCluster's own default), end to
// end: the token goes into the host pod's annotations when it is created (no Secret, so the host pod is
// podferry's only host write), the container reads it through the downward API where the kube-api-access
// volume was, the virtual API server accepts it, it is renewed in place, and it never shows in the virtual
// cluster or in a job's story.
import { AuthenticationV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { hostObjectName, hostPodName } from '../../functions/_shared/core/names.js';
import { TOKEN_REFRESH_AT_ANNOTATION, tokenAnnotation } from '../../functions/_shared/core/service-account-token.js';
import { execIn } from '../helpers/exec-in.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
let stack: TestStack;
t.before(async () => {
  // The injected projection asks for 3607 s; renewing after 0.03 % of it means about every second.
  stack = await startTestStack({ serviceAccountTokens: 'annotation', tokenRefreshFraction: 0.0003 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const readHostPod = (name: string) => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName(name, ns, stack.endpoints.cluster) });

function clientWith(token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'v', server: stack.virtual.url, caData: Buffer.from(stack.virtual.caPem).toString('base64') }],
    users: [{ name: 'sa', token }], contexts: [{ name: 'v', cluster: 'v', user: 'sa' }], currentContext: 'v',
  });
  return kc;
}
const whoami = async (token: string) => (await clientWith(token).makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } })).status?.userInfo;

const cat = (pod: string, file: string) => execIn(stack.virtual.kubeconfig, ns, pod, ['cat', file]);

let key = '';
let firstToken = '';
t.test('when a pod runs, then its host pod carries a token the virtual API server accepts, and no Secret exists for it', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'who' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  const virtualPod = await eventually('who Ready', async () => {
    const p = await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'who' });
    return isReady(p) && p;
  }, 30_000);
  key = virtualPod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
  const hostPod = await readHostPod('who');
  firstToken = hostPod.metadata!.annotations![tokenAnnotation(key)]!;
  t.ok(firstToken, 'the token is in the host pod\'s annotation');
  t.ok(hostPod.metadata!.annotations![TOKEN_REFRESH_AT_ANNOTATION], 'with its renewal time');
  t.equal((await whoami(firstToken))?.username, 'system:serviceaccount:default:default');
  t.equal(await readOrUndefined(() => stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: hostObjectName('who-sa-token', ns, stack.endpoints.cluster) })), undefined, 'no token secret');
  t.notOk(hostPod.spec!.volumes!.some((v) => v.projected?.sources?.some((s) => s.secret || s.serviceAccountToken)), 'the host pod mounts neither a secret nor a host token');
  const shown = JSON.stringify((await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'who' })).metadata);
  t.notOk(shown.includes(firstToken) || shown.includes(tokenAnnotation(key)), 'the virtual pod never shows the token or its annotation');
});

t.test('when the container reads the kube-api-access mount, then it finds the token, the virtual CA and its namespace', async (t) => {
  const token = await cat('who', `${MOUNT}/token`);
  t.ok(token.length > 0, 'a token file');
  t.equal((await whoami(token))?.username, 'system:serviceaccount:default:default', 'that the virtual API server accepts');
  t.equal(await cat('who', `${MOUNT}/ca.crt`), stack.virtual.caPem);
  t.equal(await cat('who', `${MOUNT}/namespace`), 'default');
});

t.test('when the token nears its expiry, then it is renewed on the same host pod, and no job story holds a token', async (t) => {
  const before = await readHostPod('who');
  const renewed = await eventually('a renewed token', async () => {
    const p = await readHostPod('who');
    return p.metadata!.annotations![tokenAnnotation(key)] !== firstToken && p;
  }, 30_000);
  t.equal(renewed.metadata?.uid, before.metadata?.uid, 'the same host pod, patched in place');
  const token = renewed.metadata!.annotations![tokenAnnotation(key)]!;
  t.equal((await whoami(token))?.username, 'system:serviceaccount:default:default', 'the renewed token works');
  // The running container sees renewals, as a kubelet keeps downward-API volumes current.
  const mounted = await eventually('the renewed token in the container', async () => {
    const now = await cat('who', `${MOUNT}/token`);
    return now !== firstToken && now;
  }, 30_000);
  t.equal((await whoami(mounted))?.username, 'system:serviceaccount:default:default', 'and the container\'s file holds a working one');
  const queue = stack.workers!.deps.queues.sync;
  const jobs = (await queue.getJobs(['completed', 'delayed', 'waiting', 'active'])).filter((j) => j?.name?.startsWith('token ') || j?.name?.includes('who'));
  t.ok(jobs.some((j) => j.name.startsWith('token ')), 'renewal jobs ran');
  for (const job of jobs) {
    const { logs } = await queue.getJobLogs(job.id!);
    const text = JSON.stringify([job.data, job.returnvalue, logs]);
    t.notOk([firstToken, token].some((tok) => text.includes(tok)), `${job.name}: no token in data, result or log`);
  }
});
