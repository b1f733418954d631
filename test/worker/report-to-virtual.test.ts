// Two jobs can plan the same status report from the same read of the virtual pod (the status job the host
// watch queued and a sync the audit webhook queued). Exactly one may land: the binding is conditional on
// the read (as a scheduler's is) and the patch on the pod being unchanged, so the other one learns it is
// stale, writes nothing and queues a fresh look. Against a virtual-mode simulator and a real Redis.
import t, { type Test } from 'tap';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { StatusReport } from '../../functions/_shared/core/plan.js';
import { createKubeSide } from '../../functions/_shared/kube/kube-side.js';
import { PooledKubeConfig } from '../../functions/_shared/kube/pooled-kube-config.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { reportToVirtual } from '../../functions/worker/report-to-virtual.js';
import type { WorkerDeps } from '../../functions/worker/worker-deps.js';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

let redis: RedisHandle;
let conn: Redis;
let virtual: StartedCluster;
let core: CoreV1Api;
t.before(async () => {
  redis = await startRedis();
  conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  virtual = await startCluster({ mode: 'virtual' });
  const kc = new KubeConfig();
  kc.loadFromString(virtual.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
t.teardown(async () => {
  conn?.disconnect();
  await virtual?.close();
  await redis?.stop();
});

function depsFor(t: Test): WorkerDeps {
  const prefix = uniquePrefix('rv');
  const queues = { sync: new Queue(QUEUE_NAMES.sync, { connection: conn, prefix }), status: new Queue(QUEUE_NAMES.status, { connection: conn, prefix }) };
  const kc = new PooledKubeConfig();
  kc.loadFromString(virtual.kubeconfig);
  const side = createKubeSide({ name: 'virtual', kubeConfig: kc });
  t.teardown(async () => {
    await queues.sync.close();
    await queues.status.close();
    side.close();
  });
  // Only what reportToVirtual reads; the host side is never touched by a report.
  return { cluster: 'demo', virtual: side, queues, knownVirtualNodes: new Set(['node-1']), now: () => new Date(), log: pino({ level: 'silent' }) } as unknown as WorkerDeps;
}

const readyStatus = { phase: 'Running', podIP: '10.0.0.7', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date() }] };

function reportFrom(read: V1Pod, nodeName?: string): StatusReport {
  return { status: readyStatus as StatusReport['status'], patch: { status: readyStatus }, ...(nodeName ? { nodeName } : {}), virtualResourceVersion: read.metadata!.resourceVersion };
}

async function statusLooksQueued(deps: WorkerDeps): Promise<number> {
  const counts = await deps.queues.status.getJobCounts('waiting', 'delayed', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

for (const binds of [true, false]) {
  const what = binds ? 'the first report, which also binds the pod' : 'a report on a pod already bound';
  t.test(`when two jobs report from one read (${what}), then exactly one lands and the other queues a fresh look`, async (t) => {
    const deps = depsFor(t);
    const name = binds ? 'race-bind' : 'race-status';
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
    if (!binds) {
      await core.createNamespacedPodBinding({ namespace: 'default', name, body: { metadata: { name }, target: { kind: 'Node', name: 'node-1' } } });
    }
    const read = await core.readNamespacedPod({ namespace: 'default', name });
    const report = reportFrom(read, binds ? 'node-1' : undefined);
    const target = { namespace: 'default', name, uid: read.metadata!.uid };

    const results = await Promise.all([reportToVirtual(target, report, deps), reportToVirtual(target, report, deps)]);
    t.same(results.slice().sort(), ['applied', 'conflict'], `one applied, one conflict (got ${results.join(', ')})`);

    const after = await core.readNamespacedPod({ namespace: 'default', name });
    t.equal(after.spec?.nodeName, 'node-1');
    t.equal(after.status?.phase, 'Running', 'the status that landed');
    t.equal(await statusLooksQueued(deps), 1, 'the stale report queued one status look');
  });
}

t.test('when a report was planned from a read that another write has since overtaken, then it binds nothing and patches nothing', async (t) => {
  const deps = depsFor(t);
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'overtaken' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  const read = await core.readNamespacedPod({ namespace: 'default', name: 'overtaken' });
  await core.patchNamespacedPod({ namespace: 'default', name: 'overtaken', body: [{ op: 'add', path: '/metadata/labels', value: { tier: 'web' } }] });

  t.equal(await reportToVirtual({ namespace: 'default', name: 'overtaken', uid: read.metadata!.uid }, reportFrom(read, 'node-1'), deps), 'conflict');
  const after = await core.readNamespacedPod({ namespace: 'default', name: 'overtaken' });
  t.equal(after.spec?.nodeName, undefined, 'not bound from a stale read');
  t.not(after.status?.phase, 'Running', 'no status from a stale read');
});
