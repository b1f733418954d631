// The workload kinds' storage without controllers: defaulting, validation messages, generation, the status
// and scale subresources, delete propagation finalizers, table cells and protobuf bodies.
import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { decodeProtobufObject } from '../../infra/kube-sim/protobuf.js';
import { deployments, jobs, replicaSets, statefulSets } from '../../infra/kube-sim/resources.js';
import { toTable } from '../../infra/kube-sim/table.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { statusOf } from './api-test-helpers.js';
import { deploymentBody, jobBody, statefulSetBody, write } from './workload-harness.js';

type Obj = Record<string, any>;

t.test('when a Deployment is created, then it gets the real defaults, generation 1 and an empty status', async (t) => {
  const api = createApi();
  const d = await api.create(deployments, 'default', { ...deploymentBody('web', 3), status: { replicas: 9 } }, write);
  const spec = d.spec as Obj;
  t.same(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  t.equal(spec.revisionHistoryLimit, 10);
  t.equal(spec.progressDeadlineSeconds, 600);
  const pod = spec.template.spec;
  t.match(pod, { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, securityContext: {} });
  t.match(pod.containers[0], { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} });
  t.notOk('enableServiceLinks' in pod, 'a template gets PodSpec defaults only');
  t.equal(d.metadata.generation, 1);
  t.same(d.status, {});
  const rs = await api.create(replicaSets, 'default', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } }, write);
  t.equal((rs.spec as Obj).replicas, 1);
});

t.test('when a StatefulSet or Job is created, then their defaults and the Job selector are filled in', async (t) => {
  const api = createApi();
  const sts = await api.create(statefulSets, 'default', statefulSetBody('db', 2), write);
  t.match(sts.spec, {
    podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  });
  const job = await api.create(jobs, 'default', jobBody('pi'), write);
  const spec = job.spec as Obj;
  t.match(spec, { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' });
  const uid = job.metadata.uid;
  t.same(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  t.same(spec.template.metadata.labels, { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' });
  t.same(job.metadata.labels, spec.template.metadata.labels);
});

t.test('when a workload is invalid, then 422 with the real messages', async (t) => {
  const api = createApi();
  const mismatch = deploymentBody('bad', 1);
  (mismatch.spec as Obj).template.metadata.labels = { app: 'other' };
  t.match(await statusOf(api.create(deployments, 'default', mismatch, write)), {
    code: 422, reason: 'Invalid',
    message: 'Deployment.apps "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    details: { kind: 'Deployment', group: 'apps', causes: [{ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels' }] },
  });
  const noSelector = deploymentBody('bad', 1);
  delete (noSelector.spec as Obj).selector;
  const missing = await statusOf(api.create(deployments, 'default', noSelector, write));
  t.same(missing.details.causes.map((c: Obj) => `${c.field}: ${c.message}`), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"bad"}: `selector` does not match template `labels`',
  ]);
  const cases: Array<[string, KubeObject, string]> = [
    ['negative replicas', deploymentBody('bad', -1), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['no surge and no unavailability', deploymentBody('bad', 1, 'x', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }),
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
    ['restartPolicy Never in a Deployment', deploymentBody('bad', 1, 'x', { template: { metadata: { labels: { app: 'bad' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } }),
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ['no image', deploymentBody('bad', 1, ''), 'spec.template.spec.containers[0].image: Required value'],
    ['empty selector', deploymentBody('bad', 1, 'x', { selector: {} }), 'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
  ];
  for (const [what, body, message] of cases) {
    t.equal((await statusOf(api.create(deployments, 'default', body, write)))?.message, `Deployment.apps "bad" is invalid: ${message}`, what);
  }
  const always = jobBody('j');
  (always.spec as Obj).template.spec.restartPolicy = 'Always';
  t.equal((await statusOf(api.create(jobs, 'default', always, write)))?.message, 'Job.batch "j" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
});

t.test('when a workload is updated, then generation follows the spec, status stays apart, and selectors are immutable', async (t) => {
  const api = createApi();
  const d = await api.create(deployments, 'default', deploymentBody('web', 1), write);
  const withStatus = await api.update(deployments, 'default', 'web', { ...d, status: { observedGeneration: 1, replicas: 1 } }, write, 'status');
  t.equal(withStatus.metadata.generation, 1, 'a status write leaves generation alone');
  const labelled = await api.patch(deployments, 'default', 'web', 'merge', { metadata: { labels: { team: 'a' } } }, write);
  t.equal(labelled.object.metadata.generation, 1, 'metadata is not spec');
  const scaledUp = await api.patch(deployments, 'default', 'web', 'merge', { spec: { replicas: 2 }, status: { replicas: 99 } }, write);
  t.equal(scaledUp.object.metadata.generation, 2);
  t.same(scaledUp.object.status, { observedGeneration: 1, replicas: 1 }, 'the main resource cannot write status');
  const moved = await statusOf(api.patch(deployments, 'default', 'web', 'merge', { spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } } } } }, write));
  t.equal(moved.message, 'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  await api.create(statefulSets, 'default', statefulSetBody('db', 1), write);
  const sts = await statusOf(api.patch(statefulSets, 'default', 'db', 'merge', { spec: { serviceName: 'other' } }, write));
  t.match(sts.message, /spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/);
  t.ok(await api.patch(statefulSets, 'default', 'db', 'merge', { spec: { replicas: 3 } }, write), 'replicas may change');
});

t.test('when the scale subresource is read and written, then it is a Scale over spec.replicas', async (t) => {
  const api = createApi();
  const d = await api.create(deployments, 'default', deploymentBody('web', 2), write);
  const scale = api.get(deployments, 'default', 'web', 'scale');
  t.same(scale, {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: 'web', namespace: 'default', uid: d.metadata.uid, resourceVersion: d.metadata.resourceVersion, creationTimestamp: d.metadata.creationTimestamp },
    spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=web' },
  });
  const { object } = await api.patch(deployments, 'default', 'web', 'merge', { spec: { replicas: 0 } }, write, 'scale');
  t.equal(object.kind, 'Scale');
  t.equal((object.spec as Obj).replicas, 0);
  const after = api.get(deployments, 'default', 'web');
  t.equal((after.spec as Obj).replicas, 0);
  t.equal(after.metadata.generation, 2);
  const put = await api.update(deployments, 'default', 'web', { ...object, spec: { replicas: 4 } }, write, 'scale');
  t.equal((put.spec as Obj).replicas, 4);
  t.match(await statusOf(api.update(deployments, 'default', 'web', { ...object, spec: { replicas: 5 } }, write, 'scale')), { code: 409, reason: 'Conflict' }, 'a stale resourceVersion');
  t.match(await statusOf(api.patch(deployments, 'default', 'web', 'merge', { spec: { replicas: -1 } }, write, 'scale')), {
    code: 422, message: 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  });
  t.match(await statusOf(api.patch(jobs, 'default', 'x', 'merge', {}, write, 'scale')), { code: 405 }, 'Jobs have no scale subresource');
});

t.test('when a workload is deleted with a propagation policy, then the garbage collector finalizers hold it', async (t) => {
  const api = createApi();
  await api.create(deployments, 'default', deploymentBody('fg', 1), write);
  const fg = await api.delete(deployments, 'default', 'fg', { propagationPolicy: 'Foreground' }, write);
  t.equal(fg.gone, false);
  t.same(fg.object.metadata.finalizers, ['foregroundDeletion']);
  t.ok(fg.object.metadata.deletionTimestamp);
  await api.create(deployments, 'default', deploymentBody('or', 1), write);
  t.same((await api.delete(deployments, 'default', 'or', { propagationPolicy: 'Orphan' }, write)).object.metadata.finalizers, ['orphan']);
  await api.create(deployments, 'default', deploymentBody('bg', 1), write);
  t.equal((await api.delete(deployments, 'default', 'bg', {}, write)).gone, true, 'Deployments delete their dependents in the background by default');
  await api.create(jobs, 'default', jobBody('j'), write);
  const warnings: string[] = [];
  const j = await api.delete(jobs, 'default', 'j', {}, { ...write, warnings });
  t.same(j.object.metadata.finalizers, ['orphan'], 'batch/v1 Jobs orphan their pods by default');
  t.same(warnings, ['child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning']);
});

t.test('when workloads are printed as a Table, then the columns and cells are the real printers\'', async (t) => {
  const now = new Date('2026-01-01T00:10:00Z');
  const base = { creationTimestamp: '2026-01-01T00:00:00Z', namespace: 'default' };
  const podTemplate = { spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }] } };
  const cells = (r: typeof deployments, o: KubeObject) => {
    const table = toTable(r, [o], { resourceVersion: '1', now }) as { columnDefinitions: Array<{ name: string; priority: number }>; rows: Array<{ cells: unknown[] }> };
    return { columns: table.columnDefinitions.map((c) => `${c.name}${c.priority ? '*' : ''}`), cells: table.rows[0].cells };
  };
  t.same(cells(deployments, { metadata: { name: 'web', ...base }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } }), {
    columns: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*'],
    cells: ['web', '2/3', 3, 2, '10m', 'a,b', 'nginx,busybox', 'app=web'],
  });
  t.same(cells(replicaSets, { metadata: { name: 'web-1', ...base }, spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '1' } }, template: podTemplate }, status: { replicas: 3, readyReplicas: 1 } }), {
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*'],
    cells: ['web-1', 3, 3, 1, '10m', 'a,b', 'nginx,busybox', 'app=web,pod-template-hash=1'],
  });
  t.same(cells(statefulSets, { metadata: { name: 'db', ...base }, spec: { replicas: 2, template: podTemplate }, status: { readyReplicas: 1 } }), {
    columns: ['Name', 'Ready', 'Age', 'Containers*', 'Images*'], cells: ['db', '1/2', '10m', 'a,b', 'nginx,busybox'],
  });
  const job = { metadata: { name: 'pi', ...base }, spec: { completions: 3, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, template: podTemplate },
    status: { succeeded: 3, startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:42Z', conditions: [{ type: 'Complete', status: 'True' }] } };
  t.same(cells(jobs, job), {
    columns: ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*'],
    cells: ['pi', 'Complete', '3/3', '42s', '10m', 'a,b', 'nginx,busybox', 'batch.kubernetes.io/controller-uid=u'],
  });
  t.same(cells(jobs, { ...job, spec: { ...job.spec, completions: undefined, parallelism: 2 }, status: { startTime: '2026-01-01T00:09:00Z' } }).cells.slice(1, 4), ['Running', '0/1 of 2', '60s']);
});

t.test('when kubectl create deployment sends a protobuf body, then it decodes to the JSON it stands for', async (t) => {
  const varint = (n: number) => { const out: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return Buffer.from(out); };
  const bytes = (no: number, v: Buffer | string) => { const b = Buffer.from(v); return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]); };
  const int = (no: number, n: number) => Buffer.concat([varint(no << 3), varint(n)]);
  const entry = (no: number, k: string, v: string) => bytes(no, Buffer.concat([bytes(1, k), bytes(2, v)]));
  const meta = Buffer.concat([bytes(1, 'web'), entry(11, 'app', 'web')]);
  const container = Buffer.concat([bytes(1, 'nginx'), bytes(2, 'nginx'), bytes(8, Buffer.alloc(0)), bytes(6, int(3, 80))]);
  const template = Buffer.concat([bytes(1, entry(11, 'app', 'web')), bytes(2, bytes(2, container))]);
  const spec = Buffer.concat([int(1, 0), bytes(2, entry(1, 'app', 'web')), bytes(3, template), bytes(4, Buffer.alloc(0))]);
  const raw = Buffer.concat([bytes(1, meta), bytes(2, spec)]);
  const typeMeta = Buffer.concat([bytes(1, 'apps/v1'), bytes(2, 'Deployment')]);
  const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), bytes(1, typeMeta), bytes(2, raw)]);
  t.same(decodeProtobufObject(body, 'application/vnd.kubernetes.protobuf'), {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {}, ports: [{ containerPort: 80 }] }] } }, strategy: {} },
  });
});
