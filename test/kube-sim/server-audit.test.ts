// The audit hook end to end: startCluster with an audit policy and webhook kubeconfig posts EventLists to a
// real receiver on loopback, with the fields the HTTP layer reports for each stage.
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { startCluster } from '../../infra/kube-sim/server.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';

t.test('when requests are audited, then the webhook receives events with verb, objectRef, user, auditID and codes', async (t) => {
  const received: any[] = [];
  // The audit webhook client speaks HTTPS only, as kube-apiserver's does for webhooks.
  const receiverCa = await createCertificateAuthority('receiver-ca');
  const serving = await receiverCa.issueServerCert();
  const admissionAuth: Array<string | undefined> = [];
  const receiver = https.createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const doc = JSON.parse(body);
      if (req.url?.startsWith('/validate')) {
        admissionAuth.push(req.headers.authorization);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: doc.request.uid, allowed: true } }));
        return;
      }
      received.push(...doc.items);
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-audit-'));
  const webhookKubeconfig = join(dir, 'audit.kubeconfig');
  writeFileSync(webhookKubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'audit',
    clusters: [{ name: 'audit', cluster: { server: `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/audit`, 'certificate-authority-data': Buffer.from(receiverCa.certPem).toString('base64') } }],
    contexts: [{ name: 'audit', context: { cluster: 'audit', user: '' } }],
    users: [],
  }));
  const cluster = await startCluster({
    mode: 'virtual',
    audit: { policy: { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'RequestResponse' }] }, webhookKubeconfig, batchMaxWaitMs: 50, initialBackoffMs: 50 },
    tokenUsers: [{ token: 'syncer-token', user: { username: 'podferry', groups: ['system:authenticated'] } }],
    admissionCredentials: { token: 'to-the-webhook' },
  });
  const user = parse(cluster.kubeconfig).users[0].user;
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const url = new URL('/api/v1/namespaces/default/pods?fieldManager=audit-test', cluster.url);
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'audited' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const auditId = await new Promise<string>((resolve, reject) => {
    https.request({ method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname + url.search, ca: cluster.caPem,
      cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']), headers: { 'Content-Type': 'application/json', 'User-Agent': 'audit-test/1.0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['audit-id'])));
    }).on('error', reject).end(body);
  });
  const watchId = await new Promise<string>((resolve, reject) => {
    https.get({ hostname: url.hostname, port: url.port, path: '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1', ca: cluster.caPem,
      cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['audit-id'])));
    }).on('error', reject);
  });
  // A token user, through a validating webhook that sees the credentials the server presents.
  const port = (receiver.address() as AddressInfo).port;
  const tokenCall = (method: string, path: string, payload: unknown) => new Promise<number>((resolve, reject) => {
    const body = JSON.stringify(payload);
    https.request({ method, hostname: url.hostname, port: url.port, path, ca: cluster.caPem,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: 'Bearer syncer-token' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end(body);
  });
  t.equal(await tokenCall('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'check' },
    webhooks: [{ name: 'check.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail',
      clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: Buffer.from(receiverCa.certPem).toString('base64') },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] }],
  }), 201);
  t.equal(await tokenCall('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'by-token' } }), 201);
  t.same(admissionAuth, ['Bearer to-the-webhook']);
  await cluster.close(); // flushes the audit batcher

  const byToken = received.find((e) => e.stage === 'ResponseComplete' && e.objectRef?.name === 'by-token');
  t.match(byToken, { verb: 'create', user: { username: 'podferry' }, responseStatus: { code: 201 } });

  const watchStages = received.filter((e) => e.auditID === watchId);
  t.same(watchStages.map((e) => `${e.stage} ${e.verb}`), ['RequestReceived watch', 'ResponseStarted watch', 'ResponseComplete watch']);

  const mine = received.filter((e) => e.auditID === auditId);
  t.same(mine.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  const done = mine[1];
  t.match(done, {
    level: 'RequestResponse', verb: 'create',
    requestURI: '/api/v1/namespaces/default/pods?fieldManager=audit-test',
    user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
    sourceIPs: ['127.0.0.1'], userAgent: 'audit-test/1.0',
    objectRef: { resource: 'pods', namespace: 'default', name: 'audited', apiVersion: 'v1', uid: /^[0-9a-f-]{36}$/ },
    responseStatus: { code: 201 },
    requestObject: { kind: 'Pod', metadata: { name: 'audited' } },
    responseObject: { kind: 'Pod', metadata: { name: 'audited', uid: done.objectRef.uid } },
  });
  t.notOk(mine[0].requestObject, 'RequestReceived carries no body yet');
});
