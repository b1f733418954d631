// The webhook under 2,000 generated invalid bodies (the full 10,000: npm run chaos -- --fuzz): no crash,
// a 4xx Status for each, nothing enqueued, a flat heap.
import t from 'tap';
import { isStatusBody, runFuzz } from '../../chaos/fuzz.js';

t.test('when a Status-shaped body is checked, then kind, version, Failure, matching code, reason and message are required', async (t) => {
  const ok = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'm', reason: 'BadRequest', code: 400 };
  t.ok(isStatusBody(ok, 400));
  t.notOk(isStatusBody(ok, 415), 'the code inside must be the HTTP code');
  t.notOk(isStatusBody({ ...ok, kind: 'AdmissionReview' }, 400));
  t.notOk(isStatusBody({ ...ok, status: 'Success' }, 400));
  t.notOk(isStatusBody({ ...ok, reason: undefined }, 400));
  t.notOk(isStatusBody(undefined, 400));
  t.notOk(isStatusBody('Bad Request', 400));
});

t.test('when 2,000 generated invalid bodies hit /admission and /audit, then every reply is a 4xx Status and nothing is enqueued', async (t) => {
  const report = await runFuzz({ bodies: 2000, seed: 20261126 });
  t.equal(report.bodies, 2002, 'the generated bodies plus one over-limit body per route');
  for (const category of ['bad-json', 'wrong-type', 'missing-field', 'huge-string', 'deep-nesting', 'unknown-kind', 'prototype-poisoning', 'media-type']) {
    t.ok((report.by_category[category] ?? 0) > 50, `${category} was generated (${report.by_category[category]})`);
  }
  t.ok(report.by_route['/admission'] > 500 && report.by_route['/audit'] > 500, 'both routes were hit');
  t.equal(report.non_4xx, 0, `no reply outside 4xx: ${JSON.stringify(report.failures.slice(0, 2))}`);
  t.equal(report.not_status_shaped, 0, 'every reply is a Status');
  t.equal(report.jobs_enqueued, 0, 'no job from invalid input');
  t.ok(report.still_healthy, 'the webhook still answers /healthz');
  t.ok(report.heap_growth_mb < 32, `heap grew ${report.heap_growth_mb} MB after warm-up`);
  t.ok(report.ok);
});
