import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createSyncProducer } from '../../functions/_shared/queue/producer.js';
import { buildApp } from '../../functions/webhook/app.js';
import { WebhookMetrics } from '../../functions/webhook/metrics.js';
import { admissionReview, AUTH, harness, podObject, testConfig } from '../helpers/webhook-harness.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

t.test('when a pod is created within policy, then it is allowed with the same uid and one reference-only job is queued', async (t) => {
  const h = await harness(t, redis.url);
  const res = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ uid: 'abc-123', name: 'web', object: podObject('web', { uid: 'pod-uid-1' }) }) });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'abc-123', allowed: true } });
  const jobs = await h.jobsAfterClose();
  t.same(jobs, [{ cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'web', uid: 'pod-uid-1', reason: 'admission' }]);
  t.notOk(JSON.stringify(jobs).includes('hunter2'), 'no spec in Redis');
  t.equal(h.metrics.get('enqueued_total', { source: 'admission' }), 1);
});

t.test('when a pod is updated, then it is checked and synced too', async (t) => {
  const h = await harness(t, redis.url);
  const res = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ operation: 'UPDATE', name: 'web', object: podObject('web'), oldObject: podObject('web') }) });
  t.equal(res.json().response.allowed, true);
  t.equal((await h.jobsAfterClose()).length, 1);
});

t.test('when a pod breaks the policy, then the denial carries the reason and no job is queued', async (t) => {
  const logLines: string[] = [];
  const h = await harness(t, redis.url, { extraEnv: { LOG_LEVEL: 'info' }, logLines });
  const res = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ uid: 'u-9', name: 'bad', object: podObject('bad', { spec: { hostNetwork: true } }) }) });
  t.equal(res.statusCode, 200, 'a denial is a 200 with allowed false');
  const body = res.json();
  t.equal(body.response.uid, 'u-9');
  t.equal(body.response.allowed, false);
  t.equal(body.response.status.code, 403);
  t.equal(body.response.status.reason, 'Forbidden');
  t.match(body.response.status.message, /hostNetwork/);
  t.same(await h.jobsAfterClose(), []);
  t.equal(h.metrics.get('admission_reviews_total', { decision: 'denied' }), 1);
  const denied = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'denied pod');
  t.match(denied, { level: 'info', uid: 'u-9', pod: { name: 'bad' }, reason: /hostNetwork/ });
  t.notOk(logLines.join('').includes('hunter2'), 'the spec is not logged');
});

t.test('when the request is a dry run, then it is checked but no job is queued', async (t) => {
  const h = await harness(t, redis.url);
  const ok = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ name: 'dry', dryRun: true, object: podObject('dry') }) });
  t.equal(ok.json().response.allowed, true);
  const bad = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ name: 'dry2', dryRun: true, object: podObject('dry2', { spec: { hostPID: true } }) }) });
  t.equal(bad.json().response.allowed, false, 'a dry run still sees the denial');
  t.same(await h.jobsAfterClose(), []);
});

t.test('when the request is not a pod write, then it is allowed without a job', async (t) => {
  const h = await harness(t, redis.url);
  const cases = [
    { resource: { group: '', version: 'v1', resource: 'configmaps' }, name: 'cm', object: { kind: 'ConfigMap', metadata: { name: 'cm' } } },
    { subResource: 'status', name: 'web', operation: 'UPDATE', object: podObject('web', { spec: { hostNetwork: true } }) },
    { operation: 'DELETE', name: 'web', object: null, oldObject: podObject('web') },
    { resource: { group: 'apps', version: 'v1', resource: 'pods' }, name: 'x', object: podObject('x') },
  ];
  for (const c of cases) {
    const res = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ uid: 'k', ...c }) });
    t.same(res.json().response, { uid: 'k', allowed: true }, JSON.stringify(c).slice(0, 60));
  }
  t.same(await h.jobsAfterClose(), []);
});

t.test('when the body is malformed, then the answer is a 400 Status and no job is queued', async (t) => {
  const h = await harness(t, redis.url);
  const noUid = admissionReview({ name: 'web', object: podObject('web') });
  delete (noUid.request as { uid?: string }).uid;
  const bodies: Array<{ payload: string | object; why: string }> = [
    { payload: noUid, why: 'no request.uid' },
    { payload: { ...admissionReview({ name: 'w', object: podObject('w') }), apiVersion: 'admission.k8s.io/v1beta1' }, why: 'v1beta1' },
    { payload: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, why: 'no request' },
    { payload: admissionReview({ operation: 'PATCH', name: 'w', object: podObject('w') }), why: 'bad operation' },
    { payload: '{"apiVersion": ', why: 'broken JSON' },
    // Type-confused pods inside a valid AdmissionReview: a 500 would become "allowed" under failurePolicy Ignore.
    { payload: admissionReview({ name: 'w', object: podObject('w', { spec: { containers: 5 } }) }), why: 'containers is a number' },
    { payload: admissionReview({ name: 'w', object: podObject('w', { spec: { containers: [{ name: 'a' }], volumes: [null] } }) }), why: 'a null volume' },
    { payload: admissionReview({ name: 'w', object: { kind: 'Pod', metadata: { name: 'w', annotations: { a: 1 } }, spec: { containers: [] } } }), why: 'a numeric annotation' },
    { payload: admissionReview({ name: 'w', object: { kind: 'Pod', metadata: 'w', spec: { containers: [] } } }), why: 'metadata is a string' },
    { payload: admissionReview({ name: 'w', object: { kind: 'Pod', metadata: { name: 'w' }, spec: [] } }), why: 'spec is a list' },
    { payload: admissionReview({ name: 'w', object: podObject('w', { spec: { hostNetwork: 'yes' } }) }), why: 'hostNetwork is a string' },
  ];
  for (const b of bodies) {
    const res = await h.app.inject({ method: 'POST', url: '/admission', headers: { ...AUTH, 'content-type': 'application/json' }, payload: b.payload });
    t.equal(res.statusCode, 400, b.why);
    t.match(res.json(), { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'BadRequest', code: 400, message: String }, b.why);
  }
  t.same(await h.jobsAfterClose(), []);
});

t.test('when the body is over 3 MiB, then the answer is a 413 Status and no job is queued', async (t) => {
  const h = await harness(t, redis.url);
  const big = admissionReview({ name: 'big', object: podObject('big', { spec: { padding: 'x'.repeat(3 * 1024 * 1024) } }) });
  const res = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: big });
  t.equal(res.statusCode, 413);
  t.match(res.json(), { kind: 'Status', status: 'Failure', reason: 'RequestEntityTooLarge', code: 413 });
  t.same(await h.jobsAfterClose(), []);
});

t.test('when Redis is down, then admission still answers at once and the failed enqueue is counted', async (t) => {
  const down = await startRedis();
  t.teardown(() => down.stop());
  const h = await harness(t, down.url);
  await down.goDown();
  for (let i = 0; i < 100 && (await h.producer.ping()); i++) await new Promise((r) => setTimeout(r, 10));
  await h.app.ready();
  for (let i = 0; i < 21; i++) {
    const res = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ name: `web-${i}`, object: podObject(`web-${i}`) }) });
    t.equal(res.json().response.allowed, true);
  }
  await h.app.close();
  t.equal(h.metrics.get('enqueue_failures_total', { source: 'admission' }), 21, 'every admitted pod counted as not enqueued');
  t.equal(h.metrics.get('enqueued_total', { source: 'admission' }), 0);
  t.equal(h.metrics.lastEnqueueFailureAt, 1_700_000_000_000, 'the failure time comes from the injected clock');
  t.match(h.metrics.render(), /podferry_webhook_enqueue_failures_total\{source="admission"\} 21/);
});

t.test('when Redis accepts connections but never answers, then admission answers anyway', async (t) => {
  // A black hole with an enqueue timeout longer than the test: an admission that waited on Redis never returns.
  const sockets = new Set<Socket>();
  const hole = createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
  const url = `redis://127.0.0.1:${(hole.address() as AddressInfo).port}`;
  const producer = createSyncProducer({ redisUrl: url, prefix: 'hole', timeoutMs: 600_000 });
  const app = buildApp({ config: testConfig(url, 'hole'), producer, clock: Date.now, metrics: new WebhookMetrics(Date.now) });
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ name: `hole-${i}`, object: podObject(`hole-${i}`) }) });
    t.equal(res.json().response.allowed, true, `answer ${i} did not wait for Redis`);
  }
  // Cut the black hole: the pending enqueues fail, and the app and producer close.
  hole.close();
  for (const s of sockets) s.destroy();
  await producer.close().catch(() => undefined);
  await app.close();
});

t.test('when a burst of admissions arrives, then every pod gets exactly one job', async (t) => {
  const h = await harness(t, redis.url);
  // More distinct pods than one addBulk slice (MAX_BATCH), each admitted more than once.
  const pods = 60;
  const names = Array.from({ length: 90 }, (_, i) => `burst-${String(i % pods).padStart(2, '0')}`);
  const answers = await Promise.all(names.map((name, i) =>
    h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ uid: `b-${i}`, name, object: podObject(name, { uid: `uid-${name}` }) }) })));
  t.ok(answers.every((a) => a.json().response.allowed === true));
  const jobs = await h.jobsAfterClose();
  t.same(jobs.map((j) => j.name), Array.from({ length: pods }, (_, i) => `burst-${String(i).padStart(2, '0')}`));
  t.ok(jobs.every((j) => j.uid === `uid-${j.name}` && j.reason === 'admission'));
  t.equal(h.metrics.get('admission_reviews_total', { decision: 'allowed' }), 90);
  t.ok(h.metrics.get('enqueued_total', { source: 'admission' }) >= pods, 'every pod was sent at least once');
});
