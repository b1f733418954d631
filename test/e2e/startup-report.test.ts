// A pod's start-up on the whole stack (core/startup-coalescing.ts): the steps a host pod passes through on its
// way up are reported once, with the next step or when the window ends; trouble is never held back.
// The first stack's window is a minute, longer than any wait here, so whatever shows up in time provably
// was not held back by it; the second stack's is short, to see a slow start-up reported when it ends.
import t from 'tap';
import { KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

const ns = 'default';

/** Every write to one virtual pod as the test's own watch sees it: what kubectl get -w would print. */
async function recordVirtual(stack: TestStack, name: string): Promise<{ writes: V1Pod[]; until(what: string, ok: (p: V1Pod) => boolean): Promise<V1Pod>; stop(): void }> {
  const kc = new KubeConfig();
  kc.loadFromString(stack.virtual.kubeconfig);
  const writes: V1Pod[] = [];
  const controller = await new Watch(kc).watch(`/api/v1/namespaces/${ns}/pods`, { fieldSelector: `metadata.name=${name}` }, (type, p: V1Pod) => {
    if (type === 'ADDED' || type === 'MODIFIED') writes.push(p);
  }, () => undefined);
  return {
    writes,
    until: (what, ok) => eventually(what, async () => writes.find(ok), 30_000, 20),
    stop: () => controller.abort(),
  };
}

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const waitingReason = (p: V1Pod) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
const describe = (p: V1Pod) => `${p.spec?.nodeName ? 'bound' : 'unbound'} ${p.status?.phase ?? '-'} ${waitingReason(p) ?? (isReady(p) ? 'Ready' : '-')}`;

t.test('with a window longer than any wait', async (t) => {
  const stack = await startTestStack({ startupCoalesceMs: 60_000 });
  t.teardown(() => stack.stop());

  t.test('when a pod starts, then it is bound and shown Ready in one report: no start-up step in between', async (t) => {
    const virtual = await recordVirtual(stack, 'quick');
    t.teardown(() => virtual.stop());
    await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'quick' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
    await virtual.until('the virtual pod Ready', isReady);
    const beforeReady = virtual.writes.slice(0, virtual.writes.findIndex(isReady));
    // The user's create, then podferry's binding (the API server sets PodScheduled), then its one status patch.
    t.same(beforeReady.map(describe), ['unbound Pending -', 'bound Pending -'], `what the virtual pod showed before Ready: ${virtual.writes.map(describe).join(' > ')}`);
    t.notOk(beforeReady.some((p) => p.status?.containerStatuses), 'no ContainerCreating step was written');
  });

  t.test('when an image cannot be pulled, then the virtual pod shows it at once, not when the window ends', async (t) => {
    const virtual = await recordVirtual(stack, 'nopull');
    t.teardown(() => virtual.stop());
    await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'nopull' }, spec: { containers: [{ name: 'app', image: 'sim-pull-fail' }] } } });
    const shown = await virtual.until('ErrImagePull or ImagePullBackOff in the virtual pod', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(waitingReason(p) ?? ''));
    t.equal(shown.spec?.nodeName !== undefined, true, 'and it is bound to the node it waits on');
  });
});

t.test('with a short window', async (t) => {
  const stack = await startTestStack({ startupCoalesceMs: 300 });
  t.teardown(() => stack.stop());

  t.test('when a pod stays in a start-up step, then that step is shown once the window ends', async (t) => {
    const virtual = await recordVirtual(stack, 'mounting');
    t.teardown(() => virtual.stop());
    // A ConfigMap volume that does not exist: the host kubelet keeps the pod ContainerCreating (FailedMount).
    await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'mounting' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 'conf', mountPath: '/etc/conf' }] }], volumes: [{ name: 'conf', configMap: { name: 'not-there' } }] } } });
    const shown = await virtual.until('ContainerCreating in the virtual pod', (p) => waitingReason(p) === 'ContainerCreating');
    t.ok(shown.spec?.nodeName, 'bound to its node');
    t.equal(shown.status?.phase, 'Pending');
  });
});
