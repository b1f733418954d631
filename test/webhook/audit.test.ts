import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { AUTH, harness, OWN_USER } from '../helpers/webhook-harness.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

const event = (over: Record<string, unknown>) => ({
  level: 'RequestResponse',
  auditID: 'a-1',
  stage: 'ResponseComplete',
  verb: 'create',
  user: { username: 'alice', groups: ['system:authenticated'] },
  objectRef: { resource: 'pods', namespace: 'default', name: 'web', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 201 },
  ...over,
});
const eventList = (items: unknown[]) => ({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

t.test('when a batch holds committed pod, ConfigMap and Service changes among other events, then one job per changed object is queued', async (t) => {
  const h = await harness(t, redis.url);
  const res = await h.app.inject({
    method: 'POST',
    url: '/audit',
    headers: AUTH,
    payload: eventList([
      event({ stage: 'RequestReceived' }),
      event({ responseObject: { kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u-web' }, spec: { containers: [{ env: [{ value: 'hunter2' }] }] } } }),
      event({ verb: 'patch', responseStatus: { code: 200 } }),
      event({ objectRef: { resource: 'pods', namespace: 'default', name: 'db' }, verb: 'delete', responseStatus: { code: 200 } }),
      event({ objectRef: { resource: 'pods', namespace: 'default', name: 'web', subresource: 'status' }, verb: 'patch', user: { username: OWN_USER } }),
      event({ objectRef: { resource: 'pods', namespace: 'default', name: 'mine' }, verb: 'update', user: { username: OWN_USER } }),
      event({ objectRef: { resource: 'configmaps', namespace: 'default', name: 'cfg' } }),
      event({ objectRef: { resource: 'services', namespace: 'default', name: 'svc' } }),
      event({ objectRef: { resource: 'pods', namespace: 'default', name: 'denied' }, responseStatus: { code: 403 } }),
    ]),
  });
  t.equal(res.statusCode, 200);
  t.same(res.json(), {});
  const jobs = await h.jobsAfterClose();
  t.same(jobs, [
    { cluster: 'vc1', kind: 'ConfigMap', namespace: 'default', name: 'cfg', reason: 'audit' },
    { cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'db', reason: 'audit' },
    { cluster: 'vc1', kind: 'Service', namespace: 'default', name: 'svc', reason: 'audit' },
    { cluster: 'vc1', kind: 'Pod', namespace: 'default', name: 'web', uid: 'u-web', reason: 'audit' },
  ]);
  t.notOk(JSON.stringify(jobs).includes('hunter2'));
  t.equal(h.metrics.get('audit_events_total'), 9);
  t.equal(h.metrics.get('audit_refs_total'), 5, 'web twice, db, cfg and svc once, collapsed to four jobs');
});

t.test('when a batch has no changes podferry follows, then it is acknowledged without touching Redis, even when Redis is down', async (t) => {
  const down = await startRedis();
  t.teardown(() => down.stop());
  const h = await harness(t, down.url);
  await down.goDown();
  const res = await h.app.inject({ method: 'POST', url: '/audit', headers: AUTH, payload: eventList([event({ objectRef: { resource: 'endpoints', namespace: 'default', name: 's' } })]) });
  t.equal(res.statusCode, 200);
  t.same(res.json(), {});
  const empty = await h.app.inject({ method: 'POST', url: '/audit', headers: AUTH, payload: eventList([]) });
  t.equal(empty.statusCode, 200);
});

t.test('when Redis is down and the batch has pod changes, then 503 with Retry-After so the API server retries', async (t) => {
  const down = await startRedis();
  t.teardown(() => down.stop());
  const h = await harness(t, down.url);
  await down.goDown();
  for (let i = 0; i < 100 && (await h.producer.ping()); i++) await new Promise((r) => setTimeout(r, 10));
  const res = await h.app.inject({ method: 'POST', url: '/audit', headers: AUTH, payload: eventList([event({})]) });
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '10');
  t.match(res.json(), { kind: 'Status', status: 'Failure', reason: 'ServiceUnavailable', code: 503, details: { retryAfterSeconds: 10 } });
  t.equal(h.metrics.get('enqueue_failures_total', { source: 'audit' }), 1);
});

t.test('when the body is not an EventList, then 400 Status', async (t) => {
  const h = await harness(t, redis.url);
  for (const payload of [{ kind: 'Event', apiVersion: 'audit.k8s.io/v1', items: [] }, { kind: 'EventList', apiVersion: 'audit.k8s.io/v1' }, eventList([{ verb: 'create' }]), eventList([event({ responseStatus: { code: 'ok' } })])]) {
    const res = await h.app.inject({ method: 'POST', url: '/audit', headers: AUTH, payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
    t.match(res.json(), { kind: 'Status', reason: 'BadRequest', code: 400 });
  }
  t.same(await h.jobsAfterClose(), []);
});
