// A real `podferry worker` process (functions/worker/main.ts) serves /metrics on METRICS_PORT. Slow-ish
// (a child process loads the whole tree through tsx), so it lives apart from the server's unit test.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { freePort } from '../../functions/start/free-port.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';
import { spawnWorker } from '../helpers/worker-process.js';
import { parseExposition } from './prom-text.js';

t.test('when a `podferry worker` process runs with METRICS_PORT, then its /metrics shows the sync it did', async (t) => {
  const stack: TestStack = await startTestStack({ inProcessWorkers: false, concurrency: 5 });
  t.teardown(() => stack.stop());
  t.notOk(stack.endpoints.workerMetrics, 'no in-process workers, no workerMetrics endpoint');
  const port = await freePort();
  const worker = spawnWorker({ ...stack.workerEnv, METRICS_PORT: String(port) });
  t.teardown(() => worker.kill());
  const pod: V1Pod = { metadata: { name: 'proc' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod });
  const m = await eventually('the worker process observed the host pod creation', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    const got = parseExposition(await res.text());
    return (got.value('podferry_virtual_created_to_host_created_seconds_count') ?? 0) >= 1 && got;
  }, 120_000, 100).catch((err: Error) => {
    throw new Error(`${err.message}; worker stderr: ${worker.stderr()}`);
  });
  t.ok(m.value('podferry_kube_api_calls_total', { side: 'host', verb: 'create', code: '200' })! >= 1, 'host API calls');
  t.ok(m.value('process_cpu_user_seconds_total')! > 0, 'process metrics of the worker process');
  t.equal(await worker.kill('SIGTERM'), 0, 'a graceful stop closes the metrics server too');
});
