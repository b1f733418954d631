// A pod's journey through the whole system: the virtual API server (simulator) calls the real webhook,
// audit events reach it, workers on a real Redis create the host pod on the host simulator and report
// its status back. Every assertion reads the clusters' final state through the API, as a user would.
import t from 'tap';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack();
});
t.teardown(() => stack?.stop());

const ns = 'default';
const podSpec = (name: string, image = 'nginx:1.27'): V1Pod => ({ metadata: { name, labels: { app: name.slice(0, 63) } }, spec: { containers: [{ name: 'app', image }] } });
const hostName = (name: string) => hostPodName(name, ns, stack.endpoints.cluster);
const hostNs = () => stack.endpoints.hostNamespace;
const isReady = (pod: V1Pod | undefined) => pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

t.test('when a pod is created in the virtual cluster, then it runs on the host and comes back Ready with the host podIP', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: podSpec('web') });
  const virtualPod = await eventually('virtual pod Ready', async () => {
    const pod = await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'web' });
    return isReady(pod) && pod;
  });
  const hostPod = await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('web') });
  t.equal(virtualPod.status?.phase, 'Running');
  t.ok(hostPod.status?.podIP, 'the host pod has an IP');
  t.equal(virtualPod.status?.podIP, hostPod.status?.podIP, 'the virtual pod reports the host podIP');
  t.equal(virtualPod.spec?.nodeName, hostPod.spec?.nodeName, 'the virtual pod is bound to the host node name');
  const node = await stack.virtualCore.readNode({ name: hostPod.spec!.nodeName! });
  t.equal(node.metadata?.name, hostPod.spec?.nodeName, 'a virtual node named after the host node exists');
  t.equal(hostPod.metadata?.annotations?.['vcluster.loft.sh/object-uid'], virtualPod.metadata?.uid, 'the host pod records the virtual uid');
  t.equal(hostPod.spec?.automountServiceAccountToken, false, 'the host service-account token is never mounted');
});

t.test('when the image of a virtual pod is updated, then the host pod carries the new image', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: podSpec('upd', 'nginx:1.26') });
  await eventually('host pod exists', () => readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('upd') })));
  // As `kubectl set image` does: a strategic merge patch, which no concurrent status write can conflict with.
  await stack.virtualCore.patchNamespacedPod(
    { namespace: ns, name: 'upd', body: { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  const hostPod = await eventually('host image updated', async () => {
    const pod = await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('upd') });
    return pod.spec?.containers[0].image === 'nginx:1.27' && pod;
  });
  t.equal(hostPod.spec?.containers[0].image, 'nginx:1.27');
});

t.test('when a Ready virtual pod is deleted, then the host pod goes and the virtual pod is finalized', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: podSpec('del') });
  await eventually('Ready', async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'del' })));
  await stack.virtualCore.deleteNamespacedPod({ namespace: ns, name: 'del' });
  await eventually('host pod gone', async () => (await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('del') }))) === undefined);
  await eventually('virtual pod gone', async () => (await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'del' }))) === undefined);
  t.pass('both sides are gone');
});

t.test('when the host pod is deleted on the host, then the virtual pod is deleted too', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: podSpec('evicted') });
  await eventually('Ready', async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'evicted' })));
  await stack.hostCore.deleteNamespacedPod({ namespace: hostNs(), name: hostName('evicted') });
  // Nothing in the virtual cluster changed, so only the status tracker or resync can notice: trigger resync
  // through its queue as the schedule would.
  await stack.workers!.deps.queues.sync.add('sync evicted', { cluster: stack.endpoints.cluster, kind: 'Pod', namespace: ns, name: 'evicted', reason: 'resync' });
  await eventually('virtual pod gone', async () => (await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'evicted' }))) === undefined, 45_000);
  t.pass('the virtual pod followed the host pod');
});

t.test('when a pod is created with dryRun, then nothing is created on either side', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: podSpec('dry'), dryRun: 'All' });
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'dry' })), undefined);
  t.equal(await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('dry') })), undefined);
});

t.test('when a pod asks for the host network, then it is denied with a reason and never created', async (t) => {
  const body = podSpec('hostnet');
  body.spec!.hostNetwork = true;
  const err = await stack.virtualCore.createNamespacedPod({ namespace: ns, body }).then(() => undefined, (e: { code?: number; body?: string }) => e);
  t.equal(err?.code, 403);
  const status = JSON.parse(err?.body ?? '{}');
  t.match(status.message, /admission webhook "pods\.podferry\.dev" denied the request: the pod breaks 1 rule of the host policy: spec\.hostNetwork is true/);
  t.equal(await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'hostnet' })), undefined);
  t.equal(await readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('hostnet') })), undefined);
});

t.test('when a pod name is 70 characters long, then its host name is hashed to 63 and it still becomes Ready', async (t) => {
  const name = `p${'a'.repeat(69)}`;
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: podSpec(name) });
  await eventually('Ready', async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name })));
  const host = hostName(name);
  t.equal(host.length, 63);
  t.ok(await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: host }));
});
