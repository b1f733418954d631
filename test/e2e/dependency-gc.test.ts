// Resync keeps the configmap and secret copies honest: a copy no host pod references any more is deleted
// (after two resyncs in a row found it unused), one still in use stays, and one a pod needs but the host
// lost is copied again.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { hostObjectName } from '../../functions/_shared/core/names.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 2 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const copyName = (name: string) => hostObjectName(name, ns, stack.endpoints.cluster);
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const hostConfigMap = (name: string) => readOrUndefined(() => stack.hostCore.readNamespacedConfigMap({ namespace: hostNs(), name: copyName(name) }));
const mounting = (name: string, cm: string): V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], volumes: [{ name: 'cfg', configMap: { name: cm } }] } });

t.test('when the last pod using a copy is gone, then resync deletes the copy and keeps the ones in use', async (t) => {
  for (const cm of ['kept', 'dropped']) await stack.virtualCore.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: cm }, data: { a: '1' } } });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: mounting('user-kept', 'kept') });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: mounting('user-dropped', 'dropped') });
  for (const name of ['user-kept', 'user-dropped']) await eventually(`${name} Ready`, async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name })), 30_000);
  await stack.virtualCore.deleteNamespacedPod({ namespace: ns, name: 'user-dropped' });
  await eventually('the unused copy deleted', async () => (await hostConfigMap('dropped')) === undefined, 60_000);
  t.ok(await hostConfigMap('kept'), 'the copy in use stays');
  t.ok(await readOrUndefined(() => stack.virtualCore.readNamespacedConfigMap({ namespace: ns, name: 'dropped' })), 'the virtual ConfigMap itself is untouched');
});

t.test('when the host loses a copy a pod needs, then resync has it copied again', async (t) => {
  await stack.hostCore.deleteNamespacedConfigMap({ namespace: hostNs(), name: copyName('kept') });
  await eventually('the copy back', () => hostConfigMap('kept'), 60_000);
  t.equal((await hostConfigMap('kept'))?.data?.a, '1');
});
