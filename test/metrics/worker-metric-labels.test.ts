// The pure parts of the worker metrics: how a job's result and error become label values, and how the two
// sync latencies are computed from Kubernetes timestamps.
import t from 'tap';
import { UnrecoverableError } from 'bullmq';
import { ApiException } from '@kubernetes/client-node';
import type { V1PodStatus } from '@kubernetes/client-node';
import { becameReadyAfter, failureLabels, outcomeLabel, secondsSince, WorkerMetrics } from '../../functions/worker/worker-metrics.js';
import { parseExposition } from './prom-text.js';

const apiError = (code: number, reason: string) => new ApiException(code, 'failed', JSON.stringify({ kind: 'Status', reason, message: 'm', code }), {});

t.test('when a job fails, then the labels name the failure class and the Kubernetes reason', async (t) => {
  const cases: Array<[string, Error | undefined, { class: string; reason: string }]> = [
    ['when a transient error wraps a 503, then its reason', new Error('ServiceUnavailable (503): busy', { cause: apiError(503, 'ServiceUnavailable') }), { class: 'transient', reason: 'ServiceUnavailable' }],
    ['when a transient error wraps a network error, then its code', new Error('ECONNREFUSED: refused', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }), { class: 'transient', reason: 'ECONNREFUSED' }],
    ['when a permanent error carries a reason and code, then the reason', new UnrecoverableError('Invalid (422): spec.containers: Required value'), { class: 'permanent', reason: 'Invalid' }],
    ['when a permanent error carries a reason without code, then the reason', new UnrecoverableError('Forbidden: no'), { class: 'permanent', reason: 'Forbidden' }],
    ['when a permanent error has free text, then "permanent"', new UnrecoverableError('invalid job data: name missing'), { class: 'permanent', reason: 'permanent' }],
    ['when an error has neither cause nor reason, then "transient"', new Error('job stalled more than allowable limit'), { class: 'transient', reason: 'transient' }],
    ['when there is no error at all, then "transient"', undefined, { class: 'transient', reason: 'transient' }],
  ];
  for (const [name, err, want] of cases) t.same(failureLabels(err), want, name);
});

t.test('when a job completes, then a short plan name is its outcome and anything else is "done"', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['create-host', 'create-host'],
    ['nothing (in-sync)', 'nothing (in-sync)'],
    ['ready', 'ready'],
    [{ virtualPods: 3 }, 'done'],
    [undefined, 'done'],
    ['Some "quoted" text\nwith newline', 'done'],
    ['x'.repeat(80), 'done'],
  ];
  for (const [result, want] of cases) t.equal(outcomeLabel(result), want, `when the result is ${JSON.stringify(result)?.slice(0, 30)}, then ${want}`);
});

t.test('when seconds are measured from a Kubernetes timestamp, then Date and string both work and the value is never negative', async (t) => {
  const at = new Date('2026-01-01T00:00:10.250Z');
  t.equal(secondsSince(new Date('2026-01-01T00:00:08Z'), at), 2.25, 'a Date, as client-node returns it');
  t.equal(secondsSince('2026-01-01T00:00:08Z', at), 2.25, 'an RFC 3339 string');
  t.equal(secondsSince('2026-01-01T00:00:11Z', at), 0, 'a clock ahead of ours counts as 0');
  t.equal(secondsSince(undefined, at), undefined);
  t.equal(secondsSince('not a time', at), undefined);
});

t.test('when a status report is written, then only the one that makes the virtual pod Ready is measured', async (t) => {
  const at = new Date('2026-01-01T00:00:05.500Z');
  const ready = (status: string, lastTransitionTime = '2026-01-01T00:00:05Z'): V1PodStatus => ({ conditions: [{ type: 'Ready', status, lastTransitionTime: lastTransitionTime as unknown as Date }] });
  const cases: Array<[string, V1PodStatus | undefined, V1PodStatus, number | undefined]> = [
    ['when the virtual pod was not Ready and the report is Ready, then the time since the host transition', ready('False'), ready('True'), 0.5],
    ['when the virtual pod had no status yet, then measured too', undefined, ready('True'), 0.5],
    ['when the virtual pod was already Ready, then not measured again', ready('True'), ready('True'), undefined],
    ['when the report is not Ready, then nothing', ready('False'), ready('False'), undefined],
    ['when the report has no conditions, then nothing', undefined, { phase: 'Pending' }, undefined],
  ];
  for (const [name, before, reported, want] of cases) t.equal(becameReadyAfter(before, reported, at), want, name);
});

t.test('when API call counts exist, then the scrape turns each key into side, verb and code labels', async (t) => {
  const metrics = new WorkerMetrics();
  metrics.apiCalls.counts.set('host create 200', 3);
  metrics.apiCalls.counts.set('virtual get 404', 1);
  let m = parseExposition(await metrics.scrape());
  t.equal(m.value('podferry_kube_api_calls_total', { side: 'host', verb: 'create', code: '200' }), 3);
  t.equal(m.value('podferry_kube_api_calls_total', { side: 'virtual', verb: 'get', code: '404' }), 1);
  metrics.apiCalls.counts.set('host create 200', 5);
  m = parseExposition(await metrics.scrape());
  t.equal(m.value('podferry_kube_api_calls_total', { side: 'host', verb: 'create', code: '200' }), 5, 'a second scrape reports the running total, not a sum of scrapes');
  t.same(m.find('podferry_queue_jobs'), [], 'no queues tracked, no depth series');
});
