// The cluster PKI, authentication and kubeconfig rendering, over real TLS connections on loopback.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { parse } from 'yaml';
import { createAuthenticator, isPublicPath } from '../../infra/kube-sim/auth.js';
import { renderKubeconfig } from '../../infra/kube-sim/kubeconfig.js';
import { createCertificateAuthority, type CertificateAuthority } from '../../infra/kube-sim/tls.js';

let ca: CertificateAuthority;
t.before(async () => {
  ca = await createCertificateAuthority('test-ca');
});

t.test('when the CA issues a serving certificate, then it covers the loopback names and chains to the CA', async (t) => {
  const serving = await ca.issueServerCert();
  const cert = new X509Certificate(serving.certPem);
  t.equal(cert.subjectAltName, 'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
  t.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
  t.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
  t.ok(new X509Certificate(ca.certPem).ca);
  t.notOk(cert.ca, 'a leaf cannot sign certificates');
  t.same(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage: server authentication only');
  t.equal(cert.publicKey.asymmetricKeyType, 'ec');
  t.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.ok(cert.checkPrivateKey(createPrivateKey(serving.keyPem)), 'the key pair matches');
  const client = new X509Certificate((await ca.issueClientCert('alice', ['dev'])).certPem);
  t.same(client.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'a client certificate is for client authentication only');
  t.equal(client.subject, 'O=dev\nCN=alice');
});

t.test('when callers connect, then certificates give CN as user and O as groups, tokens their user, and nothing else passes', async (t) => {
  const serving = await ca.issueServerCert();
  const auth = createAuthenticator(new Map([['s3cret', { username: 'token-user', groups: ['system:authenticated'] }]]));
  const server = https.createServer({ key: serving.keyPem, cert: serving.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: false }, (req, res) => {
    res.end(JSON.stringify(auth.authenticate(req) ?? null));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const get = (opts: https.RequestOptions) => new Promise<unknown>((resolve, reject) => {
    https.get({ hostname: '127.0.0.1', port, path: '/', ca: ca.certPem, agent: false, ...opts }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
  const alice = await ca.issueClientCert('alice', ['dev', 'ops']);
  t.same(await get({ cert: alice.certPem, key: alice.keyPem }), { username: 'alice', groups: ['dev', 'ops', 'system:authenticated'] });
  const solo = await ca.issueClientCert('bob', []);
  t.same(await get({ cert: solo.certPem, key: solo.keyPem }), { username: 'bob', groups: ['system:authenticated'] });
  t.same(await get({ headers: { Authorization: 'Bearer s3cret' } }), { username: 'token-user', groups: ['system:authenticated'] });
  t.equal(await get({ headers: { Authorization: 'Bearer wrong' } }), null);
  t.equal(await get({}), null);
  const stranger = await (await createCertificateAuthority('other-ca')).issueClientCert('mallory', ['system:masters']);
  t.equal(await get({ cert: stranger.certPem, key: stranger.keyPem }), null, 'a certificate from another CA is not trusted');
});

t.test('when paths are checked, then only the public-info paths are anonymous', async (t) => {
  for (const p of ['/healthz', '/readyz', '/livez', '/version', '/healthz/ping']) t.ok(isPublicPath(p), p);
  for (const p of ['/api', '/api/v1/pods', '/metrics', '/openapi/v3']) t.notOk(isPublicPath(p), p);
});

t.test('when a kubeconfig is rendered, then it embeds the CA and the credentials as kubectl expects', async (t) => {
  const admin = await ca.issueClientCert('kubernetes-admin', ['system:masters']);
  const doc = parse(renderKubeconfig({ name: 'virtual', server: 'https://127.0.0.1:6443', caPem: ca.certPem, user: 'kubernetes-admin', clientCertPem: admin.certPem, clientKeyPem: admin.keyPem }));
  t.match(doc, {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'kubernetes-admin@virtual',
    clusters: [{ name: 'virtual', cluster: { server: 'https://127.0.0.1:6443' } }],
    contexts: [{ name: 'kubernetes-admin@virtual', context: { cluster: 'virtual', user: 'kubernetes-admin' } }],
  });
  t.equal(Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), ca.certPem);
  t.equal(Buffer.from(doc.users[0].user['client-key-data'], 'base64').toString(), admin.keyPem);
  const withToken = parse(renderKubeconfig({ name: 'host', server: 'https://127.0.0.1:1', caPem: ca.certPem, user: 'syncer', token: 'abc', namespace: 'pods' }));
  t.same(withToken.users[0].user, { token: 'abc' });
  t.equal(withToken.contexts[0].context.namespace, 'pods');
  t.throws(() => renderKubeconfig({ name: 'x', server: 'https://127.0.0.1:1', caPem: ca.certPem, user: 'nobody' }), /needs a client certificate and key, or a token/);
});
