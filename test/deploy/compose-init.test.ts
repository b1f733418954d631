// docker-compose's one-shot steps, run for real: the credentials they write must fit together (the webhook's
// certificate for its compose name, the API server's client certificate from the same CA, the token file),
// and `register` must leave a virtual cluster with the webhook registered and a host with the namespace.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { parse } from 'yaml';
import { CREDENTIAL_FILES, ensureCredentials } from '../../infra/docker/compose-credentials.js';
import { main, parseOwner } from '../../infra/docker/compose-init.js';
import { register, withServer } from '../../infra/docker/compose-register.js';
import { startCluster } from '../../infra/kube-sim/server.js';

const TEMPLATE = 'infra/virtual/validating-webhook.template.yaml';

// One set of credentials serves every test (none changes it).
const dir = mkdtempSync(join(tmpdir(), 'podferry-compose-'));
const generated = ensureCredentials({ dir, webhookHost: 'webhook', webhookPort: 8443, virtualUser: 'podferry' });
const read = (name: keyof typeof CREDENTIAL_FILES) => readFileSync(join(dir, CREDENTIAL_FILES[name]), 'utf8');

function kubeconfigUser(text: string): { name: string; user: Record<string, string> } {
  return (parse(text) as { users: Array<{ name: string; user: Record<string, string> }> }).users[0];
}

t.test('when credentials are generated, then the webhook certificate names the compose service and a second run keeps them', async (t) => {
  t.equal((await generated).created, true);
  const ca = new X509Certificate(read('caCert'));
  const serving = new X509Certificate(read('tlsCert'));
  t.ok(serving.verify(ca.publicKey), 'the serving certificate is signed by the CA');
  t.match(serving.subjectAltName, /DNS:webhook/);
  t.equal(statSync(join(dir, CREDENTIAL_FILES.tlsKey)).mode & 0o777, 0o600, 'keys are private');

  const admission = kubeconfigUser(read('admissionKubeconfig'));
  t.equal(admission.name, 'webhook:8443', 'kube-apiserver matches admission credentials by host:port');
  const clientCert = new X509Certificate(Buffer.from(admission.user['client-certificate-data'], 'base64'));
  t.ok(clientCert.verify(ca.publicKey), 'the API server client certificate is signed by the same CA');
  const audit = parse(read('auditKubeconfig')) as { clusters: Array<{ cluster: { server: string } }> };
  t.equal(audit.clusters[0].cluster.server, 'https://webhook:8443/audit');

  const [token, user, , groups] = read('tokenCsv').trim().split(',');
  t.equal(token, read('virtualToken').trim());
  t.equal(user, 'podferry', 'the user infra/virtual/audit-policy.yaml leaves unaudited');
  t.equal(groups, '"system:masters"');

  const again = await ensureCredentials({ dir, webhookHost: 'webhook', webhookPort: 8443, virtualUser: 'podferry' });
  t.equal(again.created, false);
  t.equal(new X509Certificate(read('caCert')).fingerprint256, ca.fingerprint256, 'the CA is kept, so a registered caBundle stays valid');
});

t.test('when the API server presents the generated client certificate, then a server with the generated TLS files accepts it', async (t) => {
  await generated;
  const server = https.createServer({ key: read('tlsKey'), cert: read('tlsCert'), ca: read('caCert'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    res.end(String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const user = kubeconfigUser(read('auditKubeconfig')).user;
  const body = await new Promise<string>((resolve, reject) => {
    https.get({
      host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', servername: 'webhook', ca: read('caCert'),
      cert: Buffer.from(user['client-certificate-data'], 'base64'), key: Buffer.from(user['client-key-data'], 'base64'),
    }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  t.equal(body, 'kube-apiserver');
});

t.test('when the API server dials the node proxy with the generated kubelet client certificate, then each side accepts the other', async (t) => {
  await generated;
  t.match(new X509Certificate(read('nodeProxyCert')).subjectAltName, /DNS:node-proxy/, 'the node proxy certificate names its compose service');
  const server = https.createServer({ key: read('nodeProxyKey'), cert: read('nodeProxyCert'), ca: read('caCert'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    res.end(String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const body = await new Promise<string>((resolve, reject) => {
    https.get({
      host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/healthz', servername: 'node-proxy',
      ca: read('caCert'), cert: read('kubeletClientCert'), key: read('kubeletClientKey'),
    }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  t.equal(body, 'kube-apiserver-kubelet-client');
  t.equal(statSync(join(dir, CREDENTIAL_FILES.kubeletClientKey)).mode & 0o777, 0o600);
});

t.test('when register runs against a virtual and a host API server, then the webhook is registered, the namespace exists and podferry writes as itself', async (t) => {
  await generated;
  const token = read('virtualToken').trim();
  const virtual = await startCluster({ mode: 'virtual', tokenUsers: [{ token, user: { username: 'podferry', groups: ['system:masters', 'system:authenticated'] } }] });
  const host = await startCluster({ mode: 'host', nodes: 1 });
  t.teardown(() => Promise.all([virtual.close(), host.close()]));
  // As k3s writes them: a loopback server that other containers cannot use.
  const virtualAdmin = join(dir, 'virtual-k3s.yaml');
  const hostAdmin = join(dir, 'host-k3s.yaml');
  writeFileSync(virtualAdmin, withServer(virtual.kubeconfig, 'https://127.0.0.1:1'));
  writeFileSync(hostAdmin, withServer(host.kubeconfig, 'https://127.0.0.1:1'));

  const options = {
    credentialsDir: dir, virtualAdminKubeconfig: virtualAdmin, hostAdminKubeconfig: hostAdmin,
    virtualServer: virtual.url, hostServer: host.url, virtualUser: 'podferry',
    webhookUrl: 'https://webhook:8443/admission', hostNamespace: 'podferry-demo',
    webhookTemplateFile: TEMPLATE, outDir: join(dir, 'kube'), timeoutMs: 10_000,
  };
  const out = await register(options);
  await register(options); // a restarted one-shot replaces the configuration instead of failing

  const virtualKc = new KubeConfig();
  virtualKc.loadFromString(readFileSync(out.virtualKubeconfig, 'utf8'));
  const review = await virtualKc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  t.equal(review.status?.userInfo?.username, 'podferry');

  const vwc = await virtualKc.makeApiClient(AdmissionregistrationV1Api).readValidatingWebhookConfiguration({ name: 'podferry' });
  const hook = vwc.webhooks?.[0];
  t.equal(hook?.clientConfig.url, 'https://webhook:8443/admission');
  t.equal(Buffer.from(hook?.clientConfig.caBundle ?? '', 'base64').toString('utf8'), read('caCert'));
  t.equal(hook?.failurePolicy, 'Ignore');

  const hostKc = new KubeConfig();
  hostKc.loadFromString(readFileSync(out.hostKubeconfig, 'utf8'));
  const ns = await hostKc.makeApiClient(CoreV1Api).readNamespace({ name: 'podferry-demo' });
  t.equal(ns.metadata?.name, 'podferry-demo');
});

t.test('when the command line asks for token credentials for an in-cluster Service, then both kubeconfigs carry the token', async (t) => {
  const tokenDir = mkdtempSync(join(tmpdir(), 'podferry-compose-token-'));
  const tokenFile = join(tokenDir, 'token');
  writeFileSync(tokenFile, 'a-webhook-token-of-32-characters\n');
  const out = join(tokenDir, 'pki');
  const writes: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    await main(['credentials', '--dir', out, '--webhook-host', 'podferry-webhook.podferry-system.svc', '--webhook-port', '443', '--webhook-token-file', tokenFile]);
  } finally {
    process.stdout.write = write;
  }
  t.match(writes.join(''), /wrote credentials/);
  const admission = kubeconfigUser(readFileSync(join(out, CREDENTIAL_FILES.admissionKubeconfig), 'utf8'));
  t.equal(admission.name, 'podferry-webhook.podferry-system.svc:443');
  t.same(admission.user, { token: 'a-webhook-token-of-32-characters' });
  t.same(kubeconfigUser(readFileSync(join(out, CREDENTIAL_FILES.auditKubeconfig), 'utf8')).user, { token: 'a-webhook-token-of-32-characters' });
  await t.rejects(main(['register', '--dir', out]), /missing --virtual-admin/);
  await t.rejects(main(['nope']), /expected credentials or register/);
});

t.test('when --owner is given, then it must read UID:GID', async (t) => {
  t.same(parseOwner('1000:1000'), { uid: 1000, gid: 1000 });
  t.equal(parseOwner(undefined), undefined);
  t.throws(() => parseOwner('node'), /expected UID:GID/);
});
