// Nothing is lost when events are: a pod created while the webhook was down is found by the scheduled
// resync, and duplicate, late and out-of-order jobs leave exactly one host pod per virtual pod.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { MANAGED_BY_LABEL } from '../../functions/_shared/core/provenance.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 2 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const pod = (name: string): V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const hostPods = async () =>
  (await stack.hostCore.listNamespacedPod({ namespace: stack.endpoints.hostNamespace, labelSelector: `${MANAGED_BY_LABEL}=${stack.endpoints.cluster}` })).items;

t.test('when the webhook is down while a pod is created, then the scheduled resync syncs it', async (t) => {
  await stack.webhook!.close(); // admission fails open (failurePolicy Ignore); audit batches fail and are dropped
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('missed') });
  const ready = await eventually('Ready through resync', async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'missed' })), 30_000);
  t.ok(ready);
  const hosts = (await hostPods()).filter((p) => p.metadata?.name === hostPodName('missed', ns, stack.endpoints.cluster));
  t.equal(hosts.length, 1, 'exactly one host pod');
});

t.test('when many duplicate and status jobs race for one pod, then exactly one host pod exists and it is Ready', async (t) => {
  const queues = stack.workers!.deps.queues;
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('dup') });
  const ref = { cluster: stack.endpoints.cluster, kind: 'Pod', namespace: ns, name: 'dup' };
  // Plain adds (no dedup) on purpose: the worst case of concurrent runs for one object.
  await queues.sync.addBulk(Array.from({ length: 30 }, () => ({ name: 'sync dup', data: { ...ref, reason: 'audit' } })));
  await queues.status.addBulk(Array.from({ length: 10 }, () => ({ name: 'status dup', data: { ref, startedAt: Date.now(), polls: 0 } })));
  await eventually('Ready', async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'dup' })));
  await eventually('queues drained', async () => (await queues.sync.getJobCounts('waiting', 'active', 'delayed')).active === 0);
  const hosts = (await hostPods()).filter((p) => p.metadata?.annotations?.['vcluster.loft.sh/object-name'] === 'dup');
  t.equal(hosts.length, 1, 'exactly one host pod');
});

t.test('when a sync job arrives after its pod was deleted, then no host pod is created', async (t) => {
  const queues = stack.workers!.deps.queues;
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('late') });
  await stack.virtualCore.deleteNamespacedPod({ namespace: ns, name: 'late' });
  await eventually('virtual pod gone', async () => (await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'late' }))) === undefined);
  await eventually('host pod gone', async () => (await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: hostPodName('late', ns, stack.endpoints.cluster) }))) === undefined);
  await queues.sync.add('sync late', { cluster: stack.endpoints.cluster, kind: 'Pod', namespace: ns, name: 'late', reason: 'audit' });
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: hostPodName('late', ns, stack.endpoints.cluster) })), undefined);
});

t.test('when a host pod has no virtual pod, then resync deletes the orphan', async (t) => {
  const orphanVirtualName = 'ghost';
  // A managed host pod whose virtual pod never existed (its delete was missed while everything was down).
  const { translatePod } = await import('../../functions/_shared/core/translate-pod.js');
  const host = translatePod({ metadata: { name: orphanVirtualName, namespace: ns, uid: '00000000-0000-4000-8000-000000000000' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
    { vcluster: stack.endpoints.cluster, hostNamespace: stack.endpoints.hostNamespace, hostServiceAccount: 'default' });
  await stack.hostCore.createNamespacedPod({ namespace: stack.endpoints.hostNamespace, body: host });
  await eventually('orphan deleted', async () => (await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: host.metadata!.name! }))) === undefined, 30_000);
  t.pass('the orphan is gone');
});
