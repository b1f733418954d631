// A worker process killed mid-job leaves nothing the next try cannot finish: pods created during a burst
// all end Ready with exactly one host pod each after the worker is SIGKILLed and another one started.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL } from '../../functions/_shared/core/provenance.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

let stack: TestStack;
const workers: WorkerProcess[] = [];
t.before(async () => {
  stack = await startTestStack({ inProcessWorkers: false, concurrency: 10 });
});
t.teardown(async () => {
  for (const w of workers) await w.kill();
  await stack?.stop();
});

const PODS = 40;
const ns = 'default';
const pod = (name: string): V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

t.test('when a worker is SIGKILLed during a burst, then a new worker finishes every pod exactly once', async (t) => {
  const first = spawnWorker(stack.workerEnv);
  workers.push(first);
  const creates = Promise.all(Array.from({ length: PODS }, (_, i) => stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod(`burst-${i}`) })));
  // Kill it once it has made progress but not finished: some host pods exist, not all pods are Ready.
  await eventually('first worker made progress', async () => {
    const hosts = await stack.hostCore.listNamespacedPod({ namespace: stack.endpoints.hostNamespace });
    return hosts.items.length > 0;
  }, 120_000, 20);
  await first.kill('SIGKILL');
  await creates;
  const readyAtKill = (await stack.virtualCore.listNamespacedPod({ namespace: ns })).items.filter(isReady).length;
  t.ok(readyAtKill < PODS, `killed mid-burst (${readyAtKill}/${PODS} Ready at the kill)`);

  const second = spawnWorker(stack.workerEnv);
  workers.push(second);
  let lastReady = 0;
  await eventually('every virtual pod Ready', async () => {
    const pods = (await stack.virtualCore.listNamespacedPod({ namespace: ns })).items.filter((p) => p.metadata?.name?.startsWith('burst-'));
    lastReady = pods.filter(isReady).length;
    return pods.length === PODS && lastReady === PODS;
  }, 150_000, 200).catch((err) => {
    t.comment(`ready ${lastReady}/${PODS}; second worker stderr: ${second.stderr()}`);
    throw err;
  });
  const hosts = (await stack.hostCore.listNamespacedPod({ namespace: stack.endpoints.hostNamespace, labelSelector: `${MANAGED_BY_LABEL}=${stack.endpoints.cluster}` })).items;
  const perVirtual = new Map<string, number>();
  for (const h of hosts) {
    const name = h.metadata?.annotations?.['vcluster.loft.sh/object-name'] ?? '';
    perVirtual.set(name, (perVirtual.get(name) ?? 0) + 1);
  }
  t.equal(perVirtual.size, PODS, 'every virtual pod has a host pod');
  t.ok([...perVirtual.values()].every((n) => n === 1), 'no virtual pod has two host pods');
});
