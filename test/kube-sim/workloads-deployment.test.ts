// The Deployment and ReplicaSet controllers without kubelets (virtual mode): pods stay Pending until the test
// reports them Ready as a syncer would, and the rollout follows what the pods report.
import t from 'tap';
import { deployments, pods, replicaSets } from '../../infra/kube-sim/resources.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { deploymentBody, eventually, imageOf, isReady, podsWith, replicaSetBody, report, rolloutStatus, startVirtual, write, type Virtual } from './workload-harness.js';

type Obj = Record<string, any>;
const NAME_SUFFIX = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;

/** Reports every not-yet-ready pod of the selector Ready, one at a time, until the Deployment is rolled out. */
async function driveRollout(v: Virtual, name: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const next = await eventually(`a pod of ${name} to wait for readiness, or the rollout to finish`, () => {
      const pending = podsWith(v.api, `app=${name}`).find((p) => !p.metadata.deletionTimestamp && !isReady(p));
      if (pending) return pending;
      return rolloutStatus(v.api.get(deployments, 'default', name)).done && 'done';
    });
    if (next === 'done') return;
    await report(v.api, next as KubeObject, 'ready');
  }
  throw new Error('the rollout did not finish');
}

t.test('when a Deployment is created, then a ReplicaSet and its Pending pods appear as kube-controller-manager names them, and the rollout completes once they are reported Ready', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  const d = await v.api.create(deployments, 'default', deploymentBody('web', 3), write);
  const created = await eventually('3 pods', () => podsWith(v.api, 'app=web').length === 3 && podsWith(v.api, 'app=web'));
  const [rs] = v.api.list(replicaSets, 'default', {}).items;
  const hash = rs.metadata.labels!['pod-template-hash'];
  t.equal(rs.metadata.name, `web-${hash}`);
  t.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  t.same(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  t.match(rs.metadata.annotations, { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
  t.same((rs.spec as Obj).selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  for (const pod of created) {
    t.equal(pod.metadata.generateName, `web-${hash}-`);
    t.match(pod.metadata.name!.slice(`web-${hash}-`.length), NAME_SUFFIX);
    t.same(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    t.equal((pod.status as Obj).phase, 'Pending', 'no kubelet: the pod waits');
  }
  const waiting = await eventually('the status of 3 unready pods', () => {
    const now = v.api.get(deployments, 'default', 'web');
    return (now.status as Obj).replicas === 3 && now;
  });
  t.equal(rolloutStatus(waiting).message, 'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...');
  t.match((waiting.status as Obj).conditions, [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }, { type: 'Progressing', status: 'True' }]);
  t.equal(v.api.get(deployments, 'default', 'web').metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

  await driveRollout(v, 'web');
  const done = v.api.get(deployments, 'default', 'web');
  t.match(done.status, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
  t.match((done.status as Obj).conditions, [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.` },
  ]);
  t.match(v.api.get(replicaSets, 'default', rs.metadata.name!).status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
});

for (const [strategy, maxTotal, minReady] of [[{ maxSurge: '25%', maxUnavailable: '25%' }, 4, 3], [{ maxSurge: 0, maxUnavailable: 1 }, 3, 2]] as const) {
  // The budgets hold for the ReplicaSets' sizes, which is what the real controller counts: pods themselves
  // may overlap for the moment between a ReplicaSet's resize and its controller acting on it.
  t.test(`when the image of a Deployment of 3 changes with ${JSON.stringify(strategy)}, then pods are replaced one by one: ReplicaSets never sum above ${maxTotal}, never fewer than ${minReady} ready`, async (t) => {
    const v = startVirtual();
    t.teardown(() => v.stop());
    await v.api.create(deployments, 'default', deploymentBody('roll', 3, 'nginx:1.27', { strategy: { type: 'RollingUpdate', rollingUpdate: strategy } }), write);
    await driveRollout(v, 'roll');
    const live = new Map<string, KubeObject>();
    let most = 0;
    let fewestReady = Infinity;
    let mostUnready = 0;
    const start = v.api.list(pods, 'default', { labelSelector: 'app=roll' });
    for (const p of start.items) live.set(p.metadata.name!, p);
    const watch = v.api.watch(pods, 'default', { labelSelector: 'app=roll', resourceVersion: start.metadata.resourceVersion }, (ev) => {
      if (ev.type === 'DELETED' || ev.object.metadata.deletionTimestamp) live.delete(ev.object.metadata.name!);
      else live.set(ev.object.metadata.name!, ev.object);
      const all = [...live.values()];
      most = Math.max(most, all.length);
      fewestReady = Math.min(fewestReady, all.filter(isReady).length);
      mostUnready = Math.max(mostUnready, all.filter((p) => !isReady(p)).length);
    });
    t.teardown(() => watch.stop());
    let mostReplicas = 0;
    const sizes = new Map<string, number>();
    const rsStart = v.api.list(replicaSets, 'default', {});
    for (const rs of rsStart.items) sizes.set(rs.metadata.name!, (rs.spec as Obj).replicas);
    const rsWatch = v.api.watch(replicaSets, 'default', { resourceVersion: rsStart.metadata.resourceVersion }, (ev) => {
      sizes.set(ev.object.metadata.name!, ev.type === 'DELETED' ? 0 : (ev.object.spec as Obj).replicas);
      mostReplicas = Math.max(mostReplicas, [...sizes.values()].reduce((a, b) => a + b, 0));
    });
    t.teardown(() => rsWatch.stop());
    const { object } = await v.api.patch(deployments, 'default', 'roll', 'strategic', { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'app' }], containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }, write);
    t.equal(object.metadata.generation, 2);
    await driveRollout(v, 'roll');
    const final = podsWith(v.api, 'app=roll');
    t.same(final.map(imageOf), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    t.ok(final.every(isReady));
    t.ok(mostReplicas <= maxTotal, `the ReplicaSets sum to at most ${maxTotal} (saw ${mostReplicas})`);
    t.ok(most <= maxTotal + 1, `pods overlap by at most one for a moment (saw ${most})`);
    t.ok(fewestReady >= minReady, `at least ${minReady} ready at every step (saw ${fewestReady})`);
    t.equal(mostUnready, 1, 'one new pod at a time');
    const sets = v.api.list(replicaSets, 'default', {}).items;
    t.same(sets.map((rs) => [(rs.spec as Obj).replicas, rs.metadata.annotations?.['deployment.kubernetes.io/revision']]).sort(), [[0, '1'], [3, '2']]);
    t.equal(v.api.get(deployments, 'default', 'roll').metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  });
}

t.test('when a Deployment is scaled to 0 through its scale subresource and back, then its pods go and come', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(deployments, 'default', deploymentBody('sc', 3), write);
  await driveRollout(v, 'sc');
  await v.api.patch(deployments, 'default', 'sc', 'merge', { spec: { replicas: 0 } }, write, 'scale');
  await eventually('no pods', () => podsWith(v.api, 'app=sc').length === 0);
  // replicas 0 is omitted, as omitempty does; kubectl's rollout status may say done a moment earlier, as it does on a real cluster.
  const zero = await eventually('the status of 0 replicas', () => { const d = v.api.get(deployments, 'default', 'sc'); return (d.status as Obj).observedGeneration === 2 && !(d.status as Obj).replicas && d; });
  t.ok(rolloutStatus(zero).done);
  t.equal(v.api.list(replicaSets, 'default', {}).items.length, 1, 'the same ReplicaSet, scaled to 0');
  await v.api.patch(deployments, 'default', 'sc', 'merge', { spec: { replicas: 2 } }, write, 'scale');
  await driveRollout(v, 'sc');
  t.equal(podsWith(v.api, 'app=sc').length, 2);
});

t.test('when pods of a ReplicaSet are deleted or fail, then they are replaced, and surplus ones are removed', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(replicaSets, 'default', replicaSetBody('rs', 2), write);
  const [a, b] = await eventually('2 pods', () => podsWith(v.api, 'app=rs').length === 2 && podsWith(v.api, 'app=rs'));
  await v.api.delete(pods, 'default', a.metadata.name!, {}, write);
  await report(v.api, b, 'failed');
  const active = () => podsWith(v.api, 'app=rs').filter((p) => (p.status as Obj).phase !== 'Failed');
  const replaced = await eventually('2 active pods again', () => active().length === 2 && active());
  t.notOk(replaced.some((p) => p.metadata.name === a.metadata.name), 'the deleted pod is gone, a new one stands in');
  t.equal(podsWith(v.api, 'app=rs').filter((p) => (p.status as Obj).phase === 'Failed').length, 1, 'the failed pod is left for inspection, not counted');
  // An orphan that matches the selector is adopted, and makes one too many.
  await v.api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }, write);
  await eventually('2 active pods after adopting the stray', () => active().length === 2);
  const rs = await eventually('the status to settle', () => { const x = v.api.get(replicaSets, 'default', 'rs'); return (x.status as Obj).replicas === 2 && x; });
  t.equal((rs.status as Obj).observedGeneration, 1);
});

t.test('when an owner is deleted, then the garbage collector removes, waits for or orphans its dependents as the propagation policy says', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  const podsOf = (name: string) => podsWith(v.api, `app=${name}`);
  for (const name of ['bg', 'fg', 'or']) await v.api.create(deployments, 'default', deploymentBody(name, 2), write);
  await eventually('6 pods', () => ['bg', 'fg', 'or'].every((n) => podsOf(n).length === 2));
  const rsOf = (name: string) => v.api.list(replicaSets, 'default', { labelSelector: `app=${name}` }).items;

  await v.api.delete(deployments, 'default', 'bg', { propagationPolicy: 'Background' }, write);
  await eventually('the background cascade', () => rsOf('bg').length === 0 && podsOf('bg').length === 0);

  const held = await v.api.delete(deployments, 'default', 'fg', { propagationPolicy: 'Foreground' }, write);
  t.same(held.object.metadata.finalizers, ['foregroundDeletion']);
  await eventually('the foreground cascade to end with the owner', () => {
    try {
      v.api.get(deployments, 'default', 'fg');
      return false;
    } catch {
      return rsOf('fg').length === 0 && podsOf('fg').length === 0;
    }
  });

  await v.api.delete(deployments, 'default', 'or', { propagationPolicy: 'Orphan' }, write);
  await eventually('the orphaned ReplicaSet to lose its owner', () => {
    const [rs] = rsOf('or');
    return rs && !rs.metadata.ownerReferences?.length && rs;
  });
  await eventually('the Deployment to go once orphaning is done', () => !v.api.list(deployments, 'default', {}).items.some((d) => d.metadata.name === 'or'));
  t.equal(podsOf('or').length, 2, 'the pods stay, still owned by their ReplicaSet');
  t.equal(rsOf('or').length, 1);
});

t.test('when the controllers restart after missing events, then they converge from what is stored', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(deployments, 'default', deploymentBody('re', 2), write);
  const before = await eventually('2 pods', () => podsWith(v.api, 'app=re').length === 2 && podsWith(v.api, 'app=re'));
  await v.restartControllers(async () => {
    // While nothing watches: a pod is reported Ready, another is deleted, and the Deployment grows.
    await report(v.api, before[0], 'ready');
    await v.api.delete(pods, 'default', before[1].metadata.name!, {}, write);
    await v.api.patch(deployments, 'default', 're', 'merge', { spec: { replicas: 3 } }, write);
    t.equal(podsWith(v.api, 'app=re').length, 1, 'nothing acted while the controllers were down');
  });
  await eventually('3 pods again', () => podsWith(v.api, 'app=re').length === 3);
  const d = await eventually('the status of the grown Deployment', () => { const x = v.api.get(deployments, 'default', 're'); return (x.status as Obj).observedGeneration === 2 && (x.status as Obj).replicas === 3 && x; });
  t.equal((d.status as Obj).readyReplicas, 1, 'the pod reported Ready while the controllers were down is counted');
  await driveRollout(v, 're');
  t.equal(v.api.list(replicaSets, 'default', {}).items.length, 1);
});

t.test('when a Deployment uses Recreate, then every old pod is gone before a new one is created', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(deployments, 'default', deploymentBody('rc', 2, 'nginx:1.27', { strategy: { type: 'Recreate' } }), write);
  await driveRollout(v, 'rc');
  let mixed = false;
  const watch = v.api.watch(pods, 'default', { labelSelector: 'app=rc' }, () => {
    const images = new Set(podsWith(v.api, 'app=rc').map(imageOf));
    if (images.size > 1) mixed = true;
  });
  t.teardown(() => watch.stop());
  await v.api.patch(deployments, 'default', 'rc', 'merge', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }, write);
  await driveRollout(v, 'rc');
  t.same(podsWith(v.api, 'app=rc').map(imageOf), ['nginx:1.28', 'nginx:1.28']);
  t.notOk(mixed, 'old and new pods never ran side by side');
});
