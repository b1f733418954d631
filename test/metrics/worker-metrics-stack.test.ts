// The workers' /metrics and logs after a real sync on the whole stack (simulators, Redis, webhook, workers):
// both latency histograms filled, API calls by side/verb/code, queue depth, job outcomes, resync drift,
// process metrics; and a pod whose env comes from a Secret leaves neither the secret value nor its spec in
// the captured logs.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { V1Pod } from '@kubernetes/client-node';
import { loggerOptions } from '../../functions/_shared/logger.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';
import { parseExposition, type Exposition } from './prom-text.js';

const SECRET_VALUE = 'sup3r-s3cret-db-password-7731';
const logLines: string[] = [];
let stack: TestStack;
t.before(async () => {
  // Debug, one level below what production runs, so the check covers every line a worker writes per job.
  const log = pino(loggerOptions('debug', 'podferry-start'), { write: (line: string) => void logLines.push(line) });
  stack = await startTestStack({ log });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const isReady = (pod: V1Pod | undefined) => pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function scrape(): Promise<Exposition> {
  const res = await fetch(stack.endpoints.workerMetrics!.url);
  if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
  return parseExposition(await res.text());
}

async function readyPod(name: string, env: V1Pod['spec'] extends infer S ? S extends { containers: Array<infer C> } ? C extends { env?: infer E } ? E : never : never : never): Promise<V1Pod> {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', env }] } } });
  return eventually(`${name} Ready`, async () => {
    const pod = await stack.virtualCore.readNamespacedPod({ namespace: ns, name });
    return isReady(pod) && pod;
  });
}

t.test('when a pod has synced and come back Ready, then the workers\' /metrics has both latency histograms and the counters behind them', async (t) => {
  const written = JSON.parse(await readFile(join(stack.endpoints.virtual.kubeconfig, '..', 'endpoints.json'), 'utf8'));
  t.equal(written.workerMetrics?.url, stack.endpoints.workerMetrics?.url, 'endpoints.json records the workers\' metrics URL');
  t.match(stack.endpoints.workerMetrics?.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

  await stack.virtualCore.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { password: SECRET_VALUE } } });
  await readyPod('web', [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }]);
  // The Ready patch and the metric are not one atomic step: wait for the observation, not for the pod.
  const m = await eventually('the Ready latency observed', async () => {
    const got = await scrape();
    return (got.value('podferry_host_ready_to_virtual_ready_seconds_count') ?? 0) >= 1 && got;
  });

  t.equal(m.types.get('podferry_virtual_created_to_host_created_seconds'), 'histogram');
  const created = { count: m.value('podferry_virtual_created_to_host_created_seconds_count')!, sum: m.value('podferry_virtual_created_to_host_created_seconds_sum')! };
  t.equal(created.count, 1, 'one host pod created, one observation');
  // creationTimestamp is truncated to the second, so the value is the true latency plus up to 1 s.
  t.ok(created.sum >= 0 && created.sum < 10, `virtual created -> host created took ${created.sum} s`);
  t.equal(m.value('podferry_virtual_created_to_host_created_seconds_bucket', { le: '+Inf' }), 1);
  const ready = { count: m.value('podferry_host_ready_to_virtual_ready_seconds_count')!, sum: m.value('podferry_host_ready_to_virtual_ready_seconds_sum')! };
  t.equal(ready.count, 1, 'observed once: only the patch that made the virtual pod Ready counts');
  t.ok(ready.sum >= 0 && ready.sum < 10, `host Ready -> virtual Ready took ${ready.sum} s`);

  t.ok(m.value('podferry_kube_api_calls_total', { side: 'host', verb: 'create', code: '200' })! >= 2, 'host creates: the secret and the pod');
  t.ok(m.value('podferry_kube_api_calls_total', { side: 'virtual', verb: 'get', code: '200' })! >= 1, 'virtual reads');
  t.ok(m.value('podferry_kube_api_calls_total', { side: 'virtual', verb: 'patch', code: '200' })! >= 1, 'the virtual status patch');
  t.ok(m.value('podferry_kube_api_calls_total', { side: 'host', verb: 'get', code: '404' })! >= 1, 'the first read of a host pod that did not exist yet, by its code');

  t.ok(m.value('podferry_jobs_completed_total', { queue: 'sync', outcome: 'create-host' })! >= 1, 'the sync job that created the host pod');
  t.ok(m.value('podferry_jobs_completed_total', { queue: 'status', outcome: 'ready' })! >= 1, 'the status job that saw Ready');
  t.ok(m.value('podferry_jobs_completed_total', { queue: 'resync' })! >= 1, 'the resync at start');
  for (const kind of ['missing_on_host', 'orphan_on_host', 'status_drift', 'deleting']) {
    t.equal(m.find('podferry_resync_drift_total', { kind }).length, 1, `resync drift series for ${kind}`);
  }

  for (const queue of ['sync', 'status', 'resync']) {
    for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
      const v = m.value('podferry_queue_jobs', { queue, state });
      t.ok(v !== undefined && v >= 0, `queue depth ${queue}/${state} = ${v}`);
    }
  }
  t.ok(m.value('podferry_queue_jobs', { queue: 'sync', state: 'completed' })! >= 1, 'read from Redis at scrape time');

  t.ok(m.value('process_cpu_user_seconds_total')! > 0, 'process CPU');
  t.ok(m.value('nodejs_heap_size_total_bytes')! > 0, 'heap');
  t.equal(m.find('nodejs_eventloop_lag_seconds').length, 1, 'event loop lag');
});

t.test('when the host answers 500s for a while, then failed attempts are counted by class and reason and the pod still syncs', async (t) => {
  stack.host.setFaults({ errorRate: 1 });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'flaky' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  const m = await eventually('a failed sync attempt', async () => {
    const got = await scrape();
    return (got.value('podferry_jobs_failed_total', { queue: 'sync', class: 'transient' }) ?? 0) >= 1 && got;
  });
  stack.host.setFaults({});
  const failed = m.find('podferry_jobs_failed_total', { queue: 'sync', class: 'transient' });
  t.ok(failed.every((s) => /^[A-Za-z]+$/.test(s.labels.reason) && s.labels.reason !== 'transient'), `the Kubernetes reason is the label: ${failed.map((s) => s.labels.reason).join(', ')}`);
  t.ok(m.find('podferry_kube_api_calls_total', { side: 'host' }).some((s) => s.labels.code.startsWith('5')), 'host 5xx answers counted by code');
  await eventually('flaky Ready after the faults end', async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'flaky' })), 30_000);
  t.pass('synced after retries');
});

t.test('when workers ran jobs at debug level, then each job logged on its own child logger and no secret or spec reached the log', async (t) => {
  const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const jobLines = lines.filter((l) => l.msg === 'job done');
  t.ok(jobLines.length >= 3, `${jobLines.length} job lines`);
  t.ok(jobLines.every((l) => typeof l.job === 'string' && typeof l.name === 'string' && l.component === 'worker'), 'each carries the job id and name from its child logger');
  t.ok(jobLines.some((l) => l.name === 'sync demo/default/web'), 'the job name is a reference, not a spec');
  const text = logLines.join('\n');
  t.notOk(text.includes(SECRET_VALUE), 'the secret value is not logged');
  t.notOk(text.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'nor its base64 form');
  t.notOk(text.includes('containers'), 'no pod spec is logged');
});
