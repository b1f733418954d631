// A Deployment in the virtual cluster, as users create pods at scale: its controller (the virtual cluster's)
// makes pods, podferry makes their host pods, and `kubectl rollout status` sees the rollout finish; a
// rolling image update replaces every host pod, and scaling to 0 removes them.
import t from 'tap';
import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { hasKubectl, kubectlIn, type Kubectl } from '../helpers/kubectl.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';
import { writeFileSync } from 'node:fs';

let stack: TestStack;
let apps: AppsV1Api;
let kubectl: Kubectl | undefined;
t.before(async () => {
  stack = await startTestStack();
  const kc = new KubeConfig();
  kc.loadFromString(stack.virtual.kubeconfig);
  apps = kc.makeApiClient(AppsV1Api);
  if (hasKubectl) {
    kubectl = kubectlIn('podferry-workloads');
    writeFileSync(kubectl.kubeconfig, stack.virtual.kubeconfig);
  }
});
t.teardown(() => stack?.stop());

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const virtualPods = async () => (await stack.virtualCore.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
const hostPodOf = (p: V1Pod) => readOrUndefined(() => stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: hostPodName(p.metadata!.name!, 'default', stack.endpoints.cluster) }));
/** The host pods of this Deployment: found by the provenance label podferry sets, not by their names. */
const hostPods = async () => (await stack.hostCore.listNamespacedPod({ namespace: stack.endpoints.hostNamespace })).items
  .filter((p) => p.metadata?.annotations?.['vcluster.loft.sh/object-name']?.startsWith('web-') && !p.metadata?.deletionTimestamp);

const deployment: V1Deployment = {
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
  },
};

t.test('when a Deployment of 3 replicas is created, then 3 host pods run and the rollout completes', async (t) => {
  await apps.createNamespacedDeployment({ namespace: 'default', body: deployment });
  const pods = await eventually('3 Ready virtual pods', async () => {
    const list = await virtualPods();
    return list.length === 3 && list.every(ready) && list;
  }, 60_000);
  for (const p of pods) t.equal((await hostPodOf(p))?.status?.phase, 'Running', `${p.metadata?.name} runs on the host`);
  t.equal((await hostPods()).length, 3, 'exactly 3 host pods');
  if (kubectl) {
    const status = await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=60s');
    t.equal(status.code, 0, status.stderr);
    t.match(status.stdout, /successfully rolled out/);
  } else {
    t.comment('no kubectl on PATH: rollout status checked through the Deployment status instead');
    await eventually('available', async () => (await apps.readNamespacedDeployment({ namespace: 'default', name: 'web' })).status?.availableReplicas === 3, 60_000);
  }
});

t.test('when the image is updated, then every host pod is replaced by one on the new image', async (t) => {
  const before = new Set((await hostPods()).map((p) => p.metadata?.uid));
  await apps.patchNamespacedDeployment({ namespace: 'default', name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
  const after = await eventually('3 host pods on nginx:1.28, all new', async () => {
    const list = await hostPods();
    return list.length === 3 && list.every((p) => p.spec?.containers[0]?.image === 'nginx:1.28' && p.status?.phase === 'Running' && !before.has(p.metadata?.uid)) && list;
  }, 90_000);
  t.equal(after.length, 3);
  if (kubectl) {
    const status = await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=60s');
    t.equal(status.code, 0, status.stderr);
  }
  const virtual = await eventually('3 Ready virtual pods on the new image', async () => {
    const list = await virtualPods();
    return list.length === 3 && list.every((p) => ready(p) && p.spec?.containers[0]?.image === 'nginx:1.28') && list;
  }, 60_000);
  t.equal(virtual.length, 3);
  const sets = (await apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=web' })).items;
  t.same(sets.map((rs) => rs.spec?.replicas).sort(), [0, 3], 'the old ReplicaSet scaled to 0, the new one to 3');
});

t.test('when the Deployment is scaled to 0, then its host pods are removed', async (t) => {
  await apps.patchNamespacedDeploymentScale({ namespace: 'default', name: 'web', body: { spec: { replicas: 0 } } }, merge);
  await eventually('no host pods left', async () => (await stack.hostCore.listNamespacedPod({ namespace: stack.endpoints.hostNamespace })).items
    .filter((p) => p.metadata?.annotations?.['vcluster.loft.sh/object-name']?.startsWith('web-')).length === 0, 60_000);
  await eventually('no virtual pods left', async () => (await stack.virtualCore.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.length === 0, 60_000);
  t.pass('scaled to 0 on both sides');
});
