// serviceaccounts/token over HTTP: a TokenRequest answered with a signed JWT that the same server then
// accepts as the service account, bound to a pod until that pod is gone, refused below ten minutes, and
// judged expired (a minute late, as go-jose's leeway) by the authenticator. kubectl create token too.
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { parse } from 'yaml';
import { pods, serviceAccounts } from '../../infra/kube-sim/resources.js';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { createTokenSigner, ISSUER, serviceAccountAuthenticator, tokenRequestHandler } from '../../infra/kube-sim/service-account-tokens.js';
import { Store } from '../../infra/kube-sim/store.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';
import { wo } from './api-test-helpers.js';

let cluster: StartedCluster;
let core: CoreV1Api;
t.before(async () => {
  cluster = await startCluster({ mode: 'virtual' });
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
t.teardown(() => cluster.close());

function asToken(token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.url, caData: Buffer.from(cluster.caPem).toString('base64') }],
    users: [{ name: 'u', token }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x',
  });
  return kc;
}
const whoami = async (token: string) => (await asToken(token).makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } })).status?.userInfo;
const code = (p: Promise<unknown>) => p.then(() => 200, (e: { code?: number }) => e.code);

t.test('when a token is requested for a service account, then the server accepts it as that account', async (t) => {
  const tr = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: [] } } });
  t.match(tr, { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: [ISSUER], expirationSeconds: 3600 } });
  const exp = new Date(tr.status!.expirationTimestamp!).getTime();
  t.ok(Math.abs(exp - Date.now() - 3600_000) < 120_000, 'expires an hour from now');
  const claims = JSON.parse(Buffer.from(tr.status!.token.split('.')[1], 'base64url').toString()) as Record<string, any>;
  const sa = cluster.api.get(serviceAccounts, 'default', 'default');
  t.match(claims, { iss: ISSUER, sub: 'system:serviceaccount:default:default', aud: [ISSUER], 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'default', uid: sa.metadata.uid } } });
  t.match(await whoami(tr.status!.token), { username: 'system:serviceaccount:default:default', uid: sa.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] });
});

t.test('when a token is bound to a pod, then it stops working once the pod is gone', async (t) => {
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'holder' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
  const pod = cluster.api.get(pods, 'default', 'holder');
  const tr = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: [], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'holder', uid: pod.metadata.uid } } } });
  const user = await whoami(tr.status!.token);
  t.match(user?.extra, { 'authentication.kubernetes.io/pod-name': ['holder'], 'authentication.kubernetes.io/pod-uid': [pod.metadata.uid] });
  await core.deleteNamespacedPod({ namespace: 'default', name: 'holder' });
  t.equal(await code(whoami(tr.status!.token)), 401);
  t.equal(await code(core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: [], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'holder' } } } })), 404);
});

t.test('when a token request is out of bounds, then the real refusals come back', async (t) => {
  const err = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: [], expirationSeconds: 599 } } }).catch((e: { code: number; body: string }) => e);
  t.match(err, { code: 422 });
  t.equal(JSON.parse((err as { body: string }).body).message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
  t.equal(await code(core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'nobody', body: { spec: { audiences: [] } } })), 404);
  const other = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: ['vault'] } } });
  t.equal(await code(whoami(other.status!.token)), 401, 'a token for another audience is not a credential here');
  t.equal(await code(whoami('eyJhbGciOiJSUzI1NiJ9.e30.c2ln')), 401, 'a token this server did not sign is refused');
});

t.test('when the clock passes a token\'s expiry by more than the leeway, then the authenticator refuses it', async (t) => {
  const store = new Store();
  const { createApi } = await import('../../infra/kube-sim/api.js');
  const signer = createTokenSigner();
  const api = createApi({ store, subresources: { 'serviceaccounts/token': tokenRequestHandler(signer) } });
  const tr = await api.create(serviceAccounts, 'default', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { expirationSeconds: 600 } }, wo(), { name: 'default', subresource: 'token' });
  const token = (tr.status as { token: string }).token;
  const at = (ms: number) => serviceAccountAuthenticator(signer, store, () => new Date(Date.now() + ms))(token);
  t.match(at(0), { username: 'system:serviceaccount:default:default' });
  t.ok(at(630_000), 'still accepted within the minute of leeway');
  t.equal(at(700_000), undefined);
  const other = createTokenSigner();
  other.sign({});
  t.equal(serviceAccountAuthenticator(other, store)(token), undefined, 'another key does not verify it');
});

t.test('when the signing key is ECDSA or an older RSA one, then tokens carry the matching alg and verify only with it', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto');
  const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
  const ec = createTokenSigner();
  const rsa = createTokenSigner(rsaPem);
  const ecToken = ec.sign({ sub: 'a' });
  const rsaToken = rsa.sign({ sub: 'b' });
  t.match(header(ecToken), { alg: 'ES256', kid: ec.keyId });
  t.equal(Buffer.from(ecToken.split('.')[2], 'base64url').length, 64, 'ES256 signs as r || s, 64 bytes (RFC 7518)');
  t.match(header(rsaToken), { alg: 'RS256', kid: rsa.keyId });
  t.same(ec.verify(ecToken), { sub: 'a' });
  t.same(rsa.verify(rsaToken), { sub: 'b' });
  const [, body, sig] = ecToken.split('.');
  const relabelled = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: ec.keyId })).toString('base64url')}.${body}.${sig}`;
  t.equal(ec.verify(relabelled), undefined, 'a token relabelled with another alg is refused');
  t.equal(rsa.verify(ecToken), undefined);
});

t.test('when kubectl creates a token (a protobuf TokenRequest), then kubectl can use it', { skip: hasKubectl ? false : 'no kubectl on PATH' }, async (t) => {
  const k = kubectlIn('kube-sim-tokens');
  await cluster.writeKubeconfig(k.kubeconfig);
  const created = await k.run('create', 'token', 'default', '--duration=15m');
  t.equal(created.code, 0, created.stderr);
  const kc = parse(cluster.kubeconfig);
  kc.users[0].user = { token: created.stdout.trim() };
  const { writeFileSync } = await import('node:fs');
  const { stringify } = await import('yaml');
  writeFileSync(k.kubeconfig, stringify(kc));
  const who = await k.run('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}');
  t.equal(who.code, 0, who.stderr);
  t.equal(who.stdout, 'system:serviceaccount:default:default');
});
