import t from 'tap';
import { createFaults } from '../../infra/kube-sim/faults.js';
import { createMetrics } from '../../infra/kube-sim/metrics.js';

t.test('when no faults are set, then requests pass without delay and watches live on', async (t) => {
  const f = createFaults();
  t.equal(f.delayMs(), 0);
  for (let i = 0; i < 100; i++) t.equal(f.reject(), undefined);
  t.equal(f.watchLifetimeMs(), undefined);
});

t.test('when latency and jitter are set, then the delay is the fixed part plus a random share of the jitter', async (t) => {
  const f = createFaults({ latencyMs: 20, jitterMs: 10 }, () => 0.5);
  t.equal(f.delayMs(), 25);
  f.set({});
  t.equal(f.delayMs(), 0);
});

t.test('when an error rate is set, then matching requests are answered 500 or 503 with a Status', async (t) => {
  const rolls = [0.1, 0.2, 0.1, 0.9, 0.95];
  const f = createFaults({ errorRate: 0.5 }, () => rolls.shift() ?? 0.99);
  t.match(f.reject()?.status, { code: 500, reason: 'InternalError' });
  t.match(f.reject()?.status, { code: 503, reason: 'ServiceUnavailable' });
  t.equal(f.reject(), undefined);
});

t.test('when the rate limit is exceeded, then 429 with Retry-After until tokens refill', async (t) => {
  let now = 1_000;
  const f = createFaults({ rateLimitQps: 2, rateLimitBurst: 3 }, Math.random, () => now);
  t.equal(f.reject(), undefined);
  t.equal(f.reject(), undefined);
  t.equal(f.reject(), undefined);
  const limited = f.reject();
  t.match(limited?.status, { code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 1 } });
  t.equal(limited?.headers['Retry-After'], '1');
  now += 500; // one token back at 2 qps
  t.equal(f.reject(), undefined);
  t.not(f.reject(), undefined);
});

t.test('when dropWatchesAfterMs is set at run time, then new watches get that lifetime', async (t) => {
  const f = createFaults();
  f.set({ dropWatchesAfterMs: 250 });
  t.equal(f.watchLifetimeMs(), 250);
  t.same(f.current(), { dropWatchesAfterMs: 250 });
});

t.test('when requests and watches are counted, then the Prometheus text carries apiserver_request_total per verb, resource and code', async (t) => {
  const m = createMetrics();
  m.request('POST', 'pods', 201);
  m.request('POST', 'pods', 201);
  m.request('GET', 'pods', 404);
  m.watchOpened('pods');
  m.watchEvent('pods');
  m.watchEvent('pods');
  const text = m.render();
  t.match(text, 'apiserver_request_total{code="201",resource="pods",verb="POST"} 2\n');
  t.match(text, 'apiserver_request_total{code="404",resource="pods",verb="GET"} 1\n');
  t.match(text, 'apiserver_longrunning_requests{resource="pods",verb="WATCH"} 1\n');
  t.match(text, 'apiserver_watch_events_total{resource="pods"} 2\n');
  t.match(text, '# TYPE apiserver_request_total counter');
  m.watchClosed('pods');
  t.match(m.render(), 'apiserver_longrunning_requests{resource="pods",verb="WATCH"} 0\n');
});
