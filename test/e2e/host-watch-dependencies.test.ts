// The objects a pod depends on, kept current through audit: a ConfigMap changed in the virtual cluster
// changes its host copy, one created after its pod is copied then (and the pod starts), one deleted takes
// its copy with it. Resync is an hour away: audit and the dependency jobs alone must do it.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { hostObjectName } from '../../functions/_shared/core/names.js';
import { execIn } from '../helpers/exec-in.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const copyName = (name: string) => hostObjectName(name, ns, stack.endpoints.cluster);
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const readVirtual = (name: string) => stack.virtualCore.readNamespacedPod({ namespace: ns, name });
const hostConfigMap = (name: string) => readOrUndefined(() => stack.hostCore.readNamespacedConfigMap({ namespace: hostNs(), name: copyName(name) }));

t.test('when a mounted ConfigMap changes in the virtual cluster, then its host copy follows', async (t) => {
  await stack.virtualCore.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'app-config' }, data: { mode: 'one' } } });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'reader' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] }], volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }] } } });
  await eventually('reader Ready', async () => isReady(await readVirtual('reader')), 30_000);
  t.equal((await hostConfigMap('app-config'))?.data?.mode, 'one');
  t.equal(await execIn(stack.virtual.kubeconfig, ns, 'reader', ['cat', '/etc/app/mode']), 'one');
  await stack.virtualCore.replaceNamespacedConfigMap({ namespace: ns, name: 'app-config', body: { metadata: { name: 'app-config' }, data: { mode: 'two' } } });
  await eventually('the host copy updated', async () => (await hostConfigMap('app-config'))?.data?.mode === 'two', 30_000);
  t.pass('the copy has the new data');
  // And the running container reads it, as a kubelet keeps configMap volumes current.
  await eventually('the container sees the new data', async () => (await execIn(stack.virtual.kubeconfig, ns, 'reader', ['cat', '/etc/app/mode'])) === 'two', 30_000);
  t.pass('the mounted file changed without a restart');
});

t.test('when a pod is created before its ConfigMap and Secret, then they are copied once created and the pod starts', async (t) => {
  const body: V1Pod = {
    metadata: { name: 'early' },
    spec: {
      containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'late-secret', key: 'password' } } }] }],
      volumes: [{ name: 'cfg', configMap: { name: 'late-config' } }],
    },
  };
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body });
  await eventually('the host pod waiting for its volume', async () => {
    const events = await stack.virtualCore.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=early' });
    return events.items.some((e) => e.reason === 'FailedMount' && e.message?.includes('"late-config"'));
  }, 30_000);
  t.notOk(isReady(await readVirtual('early')), 'not Ready without its ConfigMap');
  // podferry says what the pod waits for, in the virtual cluster's names only.
  const waiting = await eventually('podferry\'s DependencyNotFound event', async () => {
    const events = await stack.virtualCore.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=early' });
    return events.items.find((e) => e.reason === 'DependencyNotFound');
  }, 30_000);
  t.equal(waiting.type, 'Warning');
  t.match(waiting.message, /configmap "late-config", secret "late-secret" not found in namespace/, 'both missing objects named');
  t.notOk(waiting.message?.includes(hostNs()) || waiting.message?.includes(copyName('late-config')), 'no host name in it');
  await stack.virtualCore.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late-config' }, data: { a: '1' } } });
  await eventually('the ConfigMap copied', () => hostConfigMap('late-config'), 30_000);
  await eventually('waiting for its Secret now', async () => (await readVirtual('early')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError', 30_000);
  await stack.virtualCore.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'late-secret' }, stringData: { password: 'hunter2' } } });
  await eventually('early Ready', async () => isReady(await readVirtual('early')), 30_000);
  t.ok(await readOrUndefined(() => stack.hostCore.readNamespacedSecret({ namespace: hostNs(), name: copyName('late-secret') })), 'the Secret was copied');
});

t.test('when a ConfigMap no pod mounts is created, then it is not copied; when a copied one is deleted, then its copy goes', async (t) => {
  await stack.virtualCore.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'unused' }, data: { a: '1' } } });
  await new Promise((r) => setTimeout(r, 1500)); // its audit event and dependency job had time to run
  t.equal(await hostConfigMap('unused'), undefined, 'no pod needs it, so no copy');
  t.ok(await hostConfigMap('app-config'), 'app-config has a copy');
  await stack.virtualCore.deleteNamespacedConfigMap({ namespace: ns, name: 'app-config' });
  await eventually('the copy deleted', async () => (await hostConfigMap('app-config')) === undefined, 30_000);
  t.pass('gone on both sides');
  // reader's sync shared that app-config had a current copy; the delete must have taken that mark with it.
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'reader-2' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }] } } });
  const waiting = await eventually('reader-2 told that app-config is missing', async () => {
    const events = await stack.virtualCore.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=reader-2' });
    return events.items.find((e) => e.reason === 'DependencyNotFound');
  }, 30_000);
  t.match(waiting.message, /configmap "app-config"/, 'a pod created after the delete checks the ConfigMap again');
});
