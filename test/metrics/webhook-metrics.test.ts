// The webhook's /metrics after real admission requests (inject on a real app with a real Redis producer):
// the latency histogram by route and code, the admission handler Summary the benchmark reads, the
// counters, the process metrics, and the one-decision-line-per-request logs.
import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { admissionReview, AUTH, harness, podObject } from '../helpers/webhook-harness.js';
import { parseExposition } from './prom-text.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

const secretEnvPod = (name: string, spec: Record<string, unknown> = {}) => {
  const pod = podObject(name, { uid: `uid-${name}`, spec });
  pod.spec.containers[0].env.push({ name: 'API_KEY', value: 's3cr3t-api-key-value' });
  return pod;
};

t.test('when admission requests were answered, then /metrics has the latency histogram, the handler summary and the counters', async (t) => {
  const h = await harness(t, redis.url);
  const allowed = 20;
  for (let i = 0; i < allowed; i++) {
    const res = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ uid: `a-${i}`, name: `web-${i}`, object: secretEnvPod(`web-${i}`) }) });
    t.equal(res.statusCode, 200);
  }
  const denied = await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ uid: 'd-1', name: 'bad', object: podObject('bad', { spec: { hostNetwork: true } }) }) });
  t.equal(denied.json().response.allowed, false);
  t.equal((await h.app.inject({ method: 'POST', url: '/admission', payload: admissionReview({ name: 'anon' }) })).statusCode, 401);
  t.equal((await h.app.inject({ method: 'GET', url: '/no/such/path', headers: AUTH })).statusCode, 404);

  const res = await h.app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const m = parseExposition(res.body);

  t.equal(m.types.get('podferry_webhook_request_duration_seconds'), 'histogram');
  const ok = { route: '/admission', code: '200' };
  t.equal(m.value('podferry_webhook_request_duration_seconds_count', ok), allowed + 1, 'every answered review observed once');
  const sum = m.value('podferry_webhook_request_duration_seconds_sum', ok)!;
  t.ok(sum > 0 && sum < 5, `the sum of ${allowed + 1} in-process requests is positive and small (${sum} s)`);
  t.equal(m.value('podferry_webhook_request_duration_seconds_bucket', { ...ok, le: '+Inf' }), allowed + 1, 'the +Inf bucket holds every observation');
  t.equal(m.value('podferry_webhook_request_duration_seconds_count', { route: '/admission', code: '401' }), 1, 'rejected callers are timed under their code');
  t.equal(m.value('podferry_webhook_request_duration_seconds_count', { route: 'unmatched', code: '404' }), 1, 'unknown URLs share one route label');
  t.equal(m.find('podferry_webhook_request_duration_seconds_count').filter((s) => s.labels.route.includes('no/such')).length, 0, 'raw URLs never become labels');

  t.equal(m.types.get('podferry_admission_handler_seconds'), 'summary');
  t.equal(m.value('podferry_admission_handler_seconds_count'), allowed + 1, 'the handler summary counts authenticated reviews only');
  for (const quantile of ['0.5', '0.95', '0.99']) {
    const q = m.value('podferry_admission_handler_seconds', { quantile });
    t.ok(q !== undefined && q > 0 && q < 1, `quantile ${quantile} is a positive handler time (${q} s)`);
  }
  const handlerSum = m.value('podferry_admission_handler_seconds_sum')!;
  t.ok(handlerSum <= sum, 'the handler time is part of the request time');

  t.equal(m.value('podferry_webhook_admission_reviews_total', { decision: 'allowed' }), allowed);
  t.equal(m.value('podferry_webhook_admission_reviews_total', { decision: 'denied' }), 1);
  await h.jobsAfterClose();
  t.equal(h.metrics.get('enqueued_total', { source: 'admission' }), allowed, 'the synchronous mirror agrees');

  t.ok(m.value('process_cpu_user_seconds_total')! > 0, 'process CPU');
  t.ok(m.value('process_resident_memory_bytes') !== undefined || m.value('nodejs_heap_size_total_bytes')! > 0, 'process memory');
  t.ok(m.find('nodejs_eventloop_lag_seconds').length > 0, 'event loop lag');
  t.equal(m.samples.filter((s) => s.name === 'podferry_webhook_admission_reviews_total' && s.labels.decision === 'allowed').length, 1, 'each series exactly once');
});

t.test('when an enqueue fails, then the failure counter and the last-failure time are exposed', async (t) => {
  const down = await startRedis();
  t.teardown(() => down.stop());
  const h = await harness(t, down.url);
  await down.goDown();
  for (let i = 0; i < 100 && (await h.producer.ping()); i++) await new Promise((r) => setTimeout(r, 10));
  await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload: admissionReview({ name: 'web', object: podObject('web') }) });
  await h.app.close(); // waits for the batcher's failed flush
  const m = parseExposition(await h.metrics.scrape());
  t.equal(m.value('podferry_webhook_enqueue_failures_total', { source: 'admission' }), 1);
  t.equal(m.value('podferry_webhook_last_enqueue_failure_seconds'), 1_700_000_000, 'from the injected clock, in unix seconds');
});

t.test('when admission runs at debug level, then each request logs one decision line on its own child logger and no spec', async (t) => {
  const logLines: string[] = [];
  const h = await harness(t, redis.url, { extraEnv: { LOG_LEVEL: 'debug' }, logLines });
  const reviews = [
    admissionReview({ uid: 'r-1', name: 'one', object: secretEnvPod('one') }),
    admissionReview({ uid: 'r-2', name: 'two', object: secretEnvPod('two') }),
    admissionReview({ uid: 'r-3', name: 'bad', object: secretEnvPod('bad', { hostNetwork: true }) }),
  ];
  for (const payload of reviews) await h.app.inject({ method: 'POST', url: '/admission', headers: AUTH, payload });
  await h.jobsAfterClose();
  const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const decisions = lines.filter((l) => l.msg === 'allowed pod' || l.msg === 'denied pod');
  t.same(decisions.map((l) => l.uid), ['r-1', 'r-2', 'r-3'], 'one decision line per request, in order');
  t.same(decisions.map((l) => l.msg), ['allowed pod', 'allowed pod', 'denied pod']);
  const reqIds = new Set(decisions.map((l) => l.reqId));
  t.equal(reqIds.size, 3, 'each line carries its own request id (a child logger per request)');
  t.ok(decisions.every((l) => l.name === 'podferry-webhook' && typeof l.time === 'string'), 'JSON lines with the function name and time');
  const text = logLines.join('');
  t.notOk(text.includes('s3cr3t-api-key-value'), 'no env value reaches the log');
  t.notOk(text.includes('hunter2'), 'nor the fixture\'s env value');
  t.notOk(text.includes('containers'), 'no spec reaches the log');
});
