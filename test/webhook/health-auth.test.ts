import t from 'tap';
import { request as httpsRequest } from 'node:https';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { createSyncProducer } from '../../functions/_shared/queue/producer.js';
import { buildApp } from '../../functions/webhook/app.js';
import { bearerToken, tokenMatches } from '../../functions/webhook/auth.js';
import { createHash } from 'node:crypto';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { admissionReview, AUTH, harness, podObject, testConfig, TOKEN } from '../helpers/webhook-harness.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

t.test('when probes call, then /healthz is open and /readyz follows Redis', async (t) => {
  const down = await startRedis();
  t.teardown(() => down.stop());
  const h = await harness(t, down.url);
  t.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'ready while Redis answers');
  await down.goDown();
  for (let i = 0; i < 100 && (await h.producer.ping()); i++) await new Promise((r) => setTimeout(r, 10));
  const notReady = await h.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(notReady.statusCode, 503);
  t.match(notReady.json(), { kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
  t.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'alive even without Redis');
  const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.body, /# TYPE podferry_webhook_enqueue_failures_total counter/);
});

t.test('when a caller has no or a wrong token, then 401 Status; the right token passes', async (t) => {
  const h = await harness(t, redis.url);
  const payload = admissionReview({ name: 'web', object: podObject('web') });
  for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789ab' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }]) {
    const res = await h.app.inject({ method: 'POST', url: '/admission', headers, payload });
    t.equal(res.statusCode, 401, JSON.stringify(headers));
    t.same(res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  }
  const audit = await h.app.inject({ method: 'POST', url: '/audit', payload: { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] } });
  t.equal(audit.statusCode, 401, 'audit is protected too');
  t.equal((await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload })).statusCode, 200);
  t.same(await h.jobsAfterClose(), [{ cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'web', reason: 'admission' }], 'only the authenticated call queued a job');
});

t.test('token helpers: bearer parsing and constant-time matching over every token', async (t) => {
  t.equal(bearerToken('Bearer abc'), 'abc');
  t.equal(bearerToken('bearer   abc  '), 'abc');
  t.equal(bearerToken('Bearer'), undefined);
  t.equal(bearerToken('Basic abc'), undefined);
  t.equal(bearerToken(undefined), undefined);
  const d = (s: string) => createHash('sha256').update(s).digest();
  t.ok(tokenMatches('second', [d('first'), d('second')]));
  t.notOk(tokenMatches('third', [d('first'), d('second')]));
  t.notOk(tokenMatches('x', []));
});

t.test('when the webhook serves mTLS, then a CA-signed client certificate is accepted and a bare caller is not', async (t) => {
  const ca = await createCertificateAuthority('test-webhook-ca');
  const server = await ca.issueServerCert();
  const client = await ca.issueClientCert('system:apiserver', []);
  const dir = mkdtempSync(join(tmpdir(), 'podferry-mtls-'));
  for (const [n, v] of [['tls.crt', server.certPem], ['tls.key', server.keyPem], ['ca.crt', ca.certPem]]) writeFileSync(join(dir, n), v);
  const prefix = uniquePrefix('m');
  const config = testConfig(redis.url, prefix, { TLS_CERT_FILE: join(dir, 'tls.crt'), TLS_KEY_FILE: join(dir, 'tls.key'), CLIENT_CA_FILE: join(dir, 'ca.crt'), WEBHOOK_TOKENS: '' });
  const producer = createSyncProducer({ redisUrl: redis.url, prefix });
  const app = buildApp({
    config,
    producer,
    clock: Date.now,
    serverOptions: { https: { key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false } },
  });
  t.teardown(async () => { await app.close(); await producer.close(); });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const post = (cert?: { certPem: string; keyPem: string }) =>
    new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/admission', ca: ca.certPem, headers: { 'content-type': 'application/json' }, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) },
        (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); },
      );
      req.on('error', reject);
      req.end(JSON.stringify(admissionReview({ name: 'web', object: podObject('web') })));
    });
  t.equal(await post(client), 200, 'client certificate accepted');
  t.equal(await post(), 401, 'no certificate, no token');
  const stranger = await (await createCertificateAuthority('other-ca')).issueClientCert('mallory', []);
  t.equal(await post(stranger), 401, 'certificate from another CA refused');
});
