// The StatefulSet and Job controllers without kubelets (virtual mode): the test reports pods Ready, Succeeded
// or Failed as a syncer would; ordering, re-creation, completion and back-off follow from those reports.
import t from 'tap';
import { deployments, jobs, namespaces, pods, statefulSets } from '../../infra/kube-sim/resources.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { deploymentBody, eventually, imageOf, isReady, jobBody, podsWith, report, startVirtual, statefulSetBody, write, type Virtual } from './workload-harness.js';

type Obj = Record<string, any>;

const podNamed = (v: Virtual, name: string) => v.api.list(pods, 'default', { fieldSelector: `metadata.name=${name}` }).items[0];

/** Records, for every pod the StatefulSet creates, whether the ordinal below it was Running and Ready then. */
function watchOrder(v: Virtual, set: string) {
  const created: string[] = [];
  const deleted: string[] = [];
  const violations: string[] = [];
  const live = new Map<string, KubeObject>();
  const handle = v.api.watch(pods, 'default', { labelSelector: `app=${set}` }, (ev) => {
    const name = ev.object.metadata.name!;
    if (ev.type === 'ADDED') {
      created.push(name);
      const ordinal = Number(name.slice(set.length + 1));
      const below = live.get(`${set}-${ordinal - 1}`);
      if (ordinal > 0 && !(below && isReady(below))) violations.push(`${name} created before ${set}-${ordinal - 1} was Ready`);
    }
    if (ev.type === 'DELETED') {
      deleted.push(name);
      live.delete(name);
    } else live.set(name, ev.object);
  });
  return { created, deleted, violations, stop: () => handle.stop() };
}

async function readyAll(v: Virtual, set: string, replicas: number): Promise<void> {
  for (let i = 0; i < 4 * replicas; i++) {
    const next = await eventually(`a pod of ${set} to become ready, or all ${replicas} ready`, () => {
      const all = podsWith(v.api, `app=${set}`).filter((p) => !p.metadata.deletionTimestamp);
      return all.find((p) => !isReady(p)) ?? (all.length === replicas && (v.api.get(statefulSets, 'default', set).status as Obj).readyReplicas === replicas && 'done');
    });
    if (next === 'done') return;
    await report(v.api, next as KubeObject, 'ready');
  }
}

t.test('when a StatefulSet of 3 is created, then its pods come in order, each after the one before is Ready, with a stable identity', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  const order = watchOrder(v, 'db');
  t.teardown(order.stop);
  const set = await v.api.create(statefulSets, 'default', statefulSetBody('db', 3), write);
  const first = await eventually('db-0', () => podNamed(v, 'db-0'));
  t.equal(podsWith(v.api, 'app=db').length, 1, 'only db-0 until it is Ready');
  const rev = first.metadata.labels!['controller-revision-hash'];
  t.match(rev, /^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
  t.match(first.metadata.labels, { app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-0', 'apps.kubernetes.io/pod-index': '0' });
  t.match(first.spec, { hostname: 'db-0', subdomain: 'db' });
  t.same(first.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  await readyAll(v, 'db', 3);
  t.same(order.created, ['db-0', 'db-1', 'db-2']);
  t.same(order.violations, []);
  t.match(v.api.get(statefulSets, 'default', 'db').status, { observedGeneration: 1, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: rev, updateRevision: rev });

  const gone = podNamed(v, 'db-1');
  await v.api.delete(pods, 'default', 'db-1', {}, write);
  const back = await eventually('db-1 re-created', () => { const p = podNamed(v, 'db-1'); return p && p.metadata.uid !== gone.metadata.uid && p; });
  t.equal(back.metadata.name, 'db-1', 'the same name, a new pod');
  await readyAll(v, 'db', 3);

  await v.api.patch(statefulSets, 'default', 'db', 'merge', { spec: { replicas: 1 } }, write, 'scale');
  await eventually('one pod left', () => podsWith(v.api, 'app=db').length === 1);
  t.same(order.deleted.slice(-2), ['db-2', 'db-1'], 'scale-down takes the highest ordinal first');
  t.equal(podsWith(v.api, 'app=db')[0].metadata.name, 'db-0');
});

t.test('when a StatefulSet\'s template changes, then pods are replaced from the highest ordinal down, and the revisions meet at the end', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(statefulSets, 'default', statefulSetBody('up', 3), write);
  await readyAll(v, 'up', 3);
  const order = watchOrder(v, 'up');
  t.teardown(order.stop);
  await v.api.patch(statefulSets, 'default', 'up', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }, write);
  const mid = await eventually('an update revision', () => { const s = v.api.get(statefulSets, 'default', 'up').status as Obj; return s.observedGeneration === 2 && s; });
  t.not(mid.updateRevision, mid.currentRevision, 'a rollout in progress has two revisions');
  await eventually('all pods updated', async () => {
    await readyAll(v, 'up', 3);
    return podsWith(v.api, 'app=up').every((p) => imageOf(p) === 'nginx:1.28');
  });
  await readyAll(v, 'up', 3);
  t.same(order.deleted, ['up-2', 'up-1', 'up-0']);
  const s = await eventually('the revisions to meet', () => { const x = v.api.get(statefulSets, 'default', 'up').status as Obj; return x.currentRevision === x.updateRevision && x; });
  t.match(s, { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3 });
});

t.test('when a Job needs 3 completions 2 at a time, then pods run until 3 succeed, and the Job completes as kube-controller-manager reports it', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  const job = await v.api.create(jobs, 'default', jobBody('work', { completions: 3, parallelism: 2 }), write);
  const sel = `batch.kubernetes.io/job-name=work`;
  const active = () => podsWith(v.api, sel).filter((p) => !['Succeeded', 'Failed'].includes((p.status as Obj).phase));
  const two = await eventually('2 active pods', () => active().length === 2 && active());
  for (const p of two) {
    t.match(p.metadata.name, /^work-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.match(p.metadata.labels, { 'batch.kubernetes.io/job-name': 'work', 'job-name': 'work', 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'controller-uid': job.metadata.uid });
    t.same(p.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    t.same(p.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'work', uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  }
  t.match(v.api.get(jobs, 'default', 'work').status, { active: 2, ready: 0, terminating: 0 });
  await report(v.api, two[0], 'succeeded');
  await eventually('a third pod', () => podsWith(v.api, sel).length === 3);
  for (const p of active()) await report(v.api, p, 'succeeded');
  const done = await eventually('Complete', () => { const j = v.api.get(jobs, 'default', 'work'); return ((j.status as Obj).conditions ?? []).some((c: Obj) => c.type === 'Complete') && j; });
  const status = done.status as Obj;
  t.match(status, { succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
  t.notOk(status.active);
  t.ok(status.startTime && status.completionTime);
  t.match(status.conditions, [
    { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
    { type: 'Complete', status: 'True', reason: 'CompletionsReached' },
  ]);
  t.ok(podsWith(v.api, sel).every((p) => !p.metadata.finalizers?.length), 'every pod\'s tracking finalizer is removed once counted');
  t.equal(podsWith(v.api, sel).length, 3, 'finished pods stay for their logs');
});

t.test('when a Job\'s pods keep failing, then they are replaced after a back-off until backoffLimit, then the Job fails', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(jobs, 'default', jobBody('flaky', { backoffLimit: 1 }), write);
  const sel = 'job-name=flaky';
  const first = await eventually('a pod', () => podsWith(v.api, sel)[0]);
  await report(v.api, first, 'failed');
  const second = await eventually('a replacement', () => podsWith(v.api, sel).find((p) => p.metadata.uid !== first.metadata.uid));
  t.match(v.api.get(jobs, 'default', 'flaky').status, { failed: 1, active: 1 });
  await report(v.api, second, 'failed');
  const failed = await eventually('Failed', () => { const j = v.api.get(jobs, 'default', 'flaky'); return ((j.status as Obj).conditions ?? []).some((c: Obj) => c.type === 'Failed') && j; });
  t.match(failed.status, { failed: 2, uncountedTerminatedPods: {} });
  t.match((failed.status as Obj).conditions, [
    { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  ]);
  t.equal(podsWith(v.api, sel).length, 2, 'no third attempt');
});

t.test('when an Indexed Job runs, then each index gets its pod and completedIndexes lists them', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(jobs, 'default', jobBody('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }), write);
  const three = await eventually('3 pods', () => podsWith(v.api, 'job-name=idx').length === 3 && podsWith(v.api, 'job-name=idx'));
  t.same(three.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1', '2']);
  t.ok(three.every((p) => p.metadata.name!.startsWith(`idx-${p.metadata.labels?.['batch.kubernetes.io/job-completion-index']}-`)));
  for (const p of three) await report(v.api, p, 'succeeded');
  const done = await eventually('Complete', () => { const j = v.api.get(jobs, 'default', 'idx'); return ((j.status as Obj).conditions ?? []).some((c: Obj) => c.type === 'Complete') && j; });
  t.match(done.status, { succeeded: 3, completedIndexes: '0-2' });
});

t.test('when a Job is deleted, then its pods lose the tracking finalizer and go with it (Background) or stay (the default)', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  for (const name of ['gone', 'kept']) await v.api.create(jobs, 'default', jobBody(name), write);
  await eventually('both pods', () => podsWith(v.api, 'job-name in (gone,kept)').length === 2);
  await v.api.delete(jobs, 'default', 'gone', { propagationPolicy: 'Background' }, write);
  await eventually('the pod of the deleted Job gone', () => podsWith(v.api, 'job-name=gone').length === 0);
  await v.api.delete(jobs, 'default', 'kept', {}, write);
  const orphan = await eventually('the orphaned pod without owner or finalizer', () => {
    const [p] = podsWith(v.api, 'job-name=kept');
    return p && !p.metadata.ownerReferences?.length && !p.metadata.finalizers?.length && p;
  });
  t.equal((orphan.status as Obj).phase, 'Pending', 'still there, as batch/v1 orphans by default');
});

t.test('when the controllers restart after missing pod reports, then StatefulSets and Jobs converge', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(statefulSets, 'default', statefulSetBody('st', 2), write);
  await v.api.create(jobs, 'default', jobBody('jb'), write);
  const db0 = await eventually('st-0', () => podNamed(v, 'st-0'));
  const jobPod = await eventually('the job pod', () => podsWith(v.api, 'job-name=jb')[0]);
  await v.restartControllers(async () => {
    await report(v.api, db0, 'ready');
    await report(v.api, jobPod, 'succeeded');
  });
  await eventually('st-1 after the restart', () => podNamed(v, 'st-1'));
  await eventually('the Job complete after the restart', () => ((v.api.get(jobs, 'default', 'jb').status as Obj).conditions ?? []).some((c: Obj) => c.type === 'Complete'));
  t.match(v.api.get(jobs, 'default', 'jb').status, { succeeded: 1 });
});

t.test('when a namespace holding workloads is deleted, then everything in it goes and so does the namespace', async (t) => {
  const v = startVirtual();
  t.teardown(() => v.stop());
  await v.api.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }, write);
  await v.api.create(statefulSets, 'team', statefulSetBody('db', 1), write);
  await v.api.create(jobs, 'team', jobBody('batch'), write);
  await v.api.create(deployments, 'team', deploymentBody('web', 2), write);
  await eventually('their pods', () => v.api.list(pods, 'team', {}).items.length === 4);
  await v.api.delete(namespaces, undefined, 'team', {}, write);
  await eventually('the namespace gone', () => !v.api.list(namespaces, undefined, {}).items.some((n) => n.metadata.name === 'team'));
  t.equal(v.api.list(pods, 'team', {}).items.length, 0, 'the Job pod\'s tracking finalizer did not hold it');
});
