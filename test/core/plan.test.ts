import t from 'tap';
import jsonpatch from 'fast-json-patch';
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodDiff, planPodSync, STUCK_TERMINATING_MS, type PodSyncPlan } from '../../functions/_shared/core/plan.js';
import { translatePod, type TranslateContext } from '../../functions/_shared/core/translate-pod.js';

const ctx: TranslateContext = { vcluster: 'vc', hostNamespace: 'vc-host' };
const now = new Date('2026-11-26T12:00:00Z');
const VUID = 'v-uid-1';
const HOST = { namespace: 'vc-host', name: 'web-x-default-x-vc', uid: 'h-uid-1' };

function virtualPod(): V1Pod {
  return {
    metadata: { name: 'web', namespace: 'default', uid: VUID, labels: { app: 'web' }, creationTimestamp: new Date('2026-11-26T11:00:00Z') },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], terminationGracePeriodSeconds: 45 },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

/** The host pod as the host API server would hold it after podferry created it and the kubelet ran it. */
function hostPodFor(virtual: V1Pod): V1Pod {
  const host = translatePod(virtual, ctx);
  host.metadata!.uid = HOST.uid;
  host.metadata!.labels!['host-added'] = 'yes';
  host.spec!.nodeName = 'node-1';
  host.status = {
    phase: 'Running', podIP: '10.42.0.7', hostIP: '192.168.1.10', qosClass: 'BestEffort', startTime: new Date('2026-11-26T11:00:02Z'),
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: 'sha' }],
  };
  return host;
}

/** A virtual pod that already carries everything podferry reported: the steady state. */
function syncedPair(): { virtual: V1Pod; host: V1Pod } {
  const virtual = virtualPod();
  const host = hostPodFor(virtual);
  virtual.spec!.nodeName = 'node-1';
  virtual.status = structuredClone(host.status);
  return { virtual, host };
}

const deleting = (pod: V1Pod, at: Date, grace?: number): V1Pod => {
  pod.metadata!.deletionTimestamp = at;
  if (grace !== undefined) pod.metadata!.deletionGracePeriodSeconds = grace;
  return pod;
};

const REF = { namespace: 'default', name: 'web' };
const plan = (virtual: V1Pod | undefined, host: V1Pod | undefined, at = now): PodSyncPlan => planPodSync({ virtualPod: virtual, hostPod: host, ref: REF, ctx, now: at });

t.test('when neither pod exists, then there is nothing to do', async (t) => {
  t.same(plan(undefined, undefined), { type: 'nothing', reason: 'both-gone' });
});

t.test('when a new virtual pod has no host pod, then the host pod is created with its dependencies', async (t) => {
  const v = virtualPod();
  v.spec!.containers[0].envFrom = [{ configMapRef: { name: 'cfg' } }];
  const p = plan(v, undefined);
  t.same(p, { type: 'create-host', hostPod: translatePod(v, ctx), dependencies: { configMaps: ['cfg'], secrets: [] } });
});

t.test('when a deleting virtual pod has no host pod, then the virtual pod is finalized with grace 0', async (t) => {
  t.same(plan(deleting(virtualPod(), now, 30), undefined), { type: 'finalize-virtual', virtual: { namespace: 'default', name: 'web', uid: VUID }, gracePeriodSeconds: 0 });
});

t.test('when the host pod vanished after the pod started or was bound, then the loss is reflected by deleting the virtual pod', async (t) => {
  const started = virtualPod();
  started.status!.startTime = new Date('2026-11-26T11:00:02Z');
  const bound = virtualPod();
  bound.spec!.nodeName = 'node-1';
  bound.status!.conditions = [{ type: 'PodScheduled', status: 'True' }];
  for (const v of [started, bound]) {
    t.match(plan(v, undefined), { type: 'recreate-or-reflect', decision: 'reflect', virtual: { namespace: 'default', name: 'web', uid: VUID }, gracePeriodSeconds: 0, message: /disappeared after it was scheduled/ });
  }
});

t.test('when a new virtual pod arrives with a preset nodeName, then it is created, not mistaken for a lost one', async (t) => {
  const v = virtualPod();
  v.spec!.nodeName = 'node-9';
  t.match(plan(v, undefined), { type: 'create-host' });
});

t.test('when the host pod vanished before the pod was scheduled, then it is recreated', async (t) => {
  const v = virtualPod();
  v.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }];
  t.same(plan(v, undefined), { type: 'recreate-or-reflect', decision: 'recreate', hostPod: translatePod(v, ctx), dependencies: { configMaps: [], secrets: [] }, message: 'the host pod disappeared before it started; it is created again' });
});

t.test('when a finished virtual pod has no host pod, then it is left as a record', async (t) => {
  const v = virtualPod();
  v.status = { phase: 'Succeeded', startTime: new Date() };
  t.same(plan(v, undefined), { type: 'nothing', reason: 'virtual-finished' });
});

t.test('when either side is controlled by another syncer, then podferry keeps out', async (t) => {
  const v = virtualPod();
  v.metadata!.labels!['vcluster.loft.sh/controlled-by'] = 'other';
  t.same(plan(v, undefined), { type: 'nothing', reason: 'controlled-elsewhere' });
  const { virtual, host } = syncedPair();
  host.metadata!.labels!['vcluster.loft.sh/controlled-by'] = 'other';
  t.same(plan(virtual, host), { type: 'nothing', reason: 'controlled-elsewhere' });
  t.same(plan(undefined, host), { type: 'nothing', reason: 'controlled-elsewhere' });
});

t.test('when a managed host pod has no virtual pod, then the orphan is deleted with a uid precondition', async (t) => {
  t.same(plan(undefined, hostPodFor(virtualPod())), { type: 'delete-host', host: HOST, reason: 'orphaned' });
});

t.test('when an orphan is already terminating, then there is nothing more to do', async (t) => {
  t.same(plan(undefined, deleting(hostPodFor(virtualPod()), now)), { type: 'nothing', reason: 'host-terminating' });
});

t.test('when the host pod is not ours, then it is never touched', async (t) => {
  const foreign: V1Pod = { metadata: { name: HOST.name, namespace: 'vc-host', uid: 'x', labels: { app: 'web' } }, spec: { containers: [] } };
  t.same(plan(undefined, foreign), { type: 'nothing', reason: 'not-managed' });
  t.match(plan(virtualPod(), foreign), { type: 'conflict', virtual: { namespace: 'default', name: 'web' }, message: /^the host name for Pod default\/web is already taken by an object podferry does not manage/ });
});

// `a-x-b` in namespace `c` and `a` in namespace `b-x-c` share the host name `a-x-b-x-c-x-vc`.
const collidingVictim = (): V1Pod => ({ metadata: { name: 'a-x-b', namespace: 'c', uid: 'victim' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
const collidingIntruder = (): V1Pod => ({ metadata: { name: 'a', namespace: 'b-x-c', uid: 'intruder' }, spec: { containers: [{ name: 'app', image: 'evil' }] } });

t.test('when two virtual pods translate to the same host name, then the second gets a conflict and the first host pod is never touched', async (t) => {
  const victimHost = translatePod(collidingVictim(), ctx);
  victimHost.metadata!.uid = 'h-victim';
  const intruder = collidingIntruder();
  t.equal(translatePod(intruder, ctx).metadata!.name, victimHost.metadata!.name, 'the names really collide');
  const p = planPodSync({ virtualPod: intruder, hostPod: victimHost, ref: { namespace: 'b-x-c', name: 'a' }, ctx, now });
  t.same(p, {
    type: 'conflict', virtual: { namespace: 'b-x-c', name: 'a', uid: 'intruder' },
    message: 'Pod b-x-c/a and Pod c/a-x-b of this virtual cluster translate to the same host name, and Pod c/a-x-b holds it; rename one of them',
  });
  t.same(planPodSync({ virtualPod: undefined, hostPod: victimHost, ref: { namespace: 'b-x-c', name: 'a' }, ctx, now }), { type: 'nothing', reason: 'not-managed' },
    'a job for the deleted intruder never deletes the victim as an orphan');
  t.same(planPodSync({ virtualPod: undefined, hostPod: victimHost, ctx, now }), { type: 'nothing', reason: 'not-managed' }, 'without a ref nothing proves ownership');
});

t.test('when a virtual pod breaks the host policy, then no host pod is planned and the refusal lists every violation', async (t) => {
  const v = virtualPod();
  v.spec!.hostNetwork = true;
  v.spec!.containers[0].securityContext = { privileged: true };
  const p = plan(v, undefined);
  t.match(p, { type: 'refuse-host', virtual: { name: 'web' }, reason: /^the pod breaks 2 rules of the host policy: spec\.hostNetwork is true/ });
  t.same(p.type === 'refuse-host' && p.violations.map((x) => x.rule), ['hostNetwork', 'privileged']);
});

t.test('when a running pod gains a violating change, then the change is refused and the status still reported', async (t) => {
  const v = virtualPod();
  const h = hostPodFor(v);
  v.spec!.containers[0].image = 'nginx:1.28';
  v.spec!.tolerations = [{ operator: 'Exists' }];
  v.spec!.containers[0].securityContext = { privileged: true };
  const p = plan(v, h);
  t.match(p, { type: 'refuse-host', report: { nodeName: 'node-1' } });
});

t.test('when a violating pod is in sync with its host pod (admitted under a looser policy), then nothing is written and nothing refused', async (t) => {
  const { virtual, host } = syncedPair();
  virtual.spec!.hostPID = true;
  t.same(plan(virtual, host), { type: 'nothing', reason: 'in-sync' });
});

t.test('when both sides agree, then there is nothing to do', async (t) => {
  const { virtual, host } = syncedPair();
  t.same(plan(virtual, host), { type: 'nothing', reason: 'in-sync' });
});

t.test('when the host status moved on, then the virtual status is reported and the pod bound to the node', async (t) => {
  const v = virtualPod();
  const h = hostPodFor(v);
  const p = plan(v, h);
  t.equal(p.type, 'report-status');
  if (p.type !== 'report-status') return;
  t.same(p.virtual, { namespace: 'default', name: 'web', uid: VUID });
  t.equal(p.report.nodeName, 'node-1');
  t.equal(p.report.status.phase, 'Running');
  t.equal(p.report.status.qosClass, 'BestEffort');
  t.same(p.report.patch.status.podIP, '10.42.0.7');
});

t.test('when only the binding is missing, then report-status carries the node', async (t) => {
  const { virtual, host } = syncedPair();
  delete virtual.spec!.nodeName;
  const p = plan(virtual, host);
  t.match(p, { type: 'report-status', report: { nodeName: 'node-1' } });
  if (p.type === 'report-status') t.same(p.report.patch, { status: {} }, 'nothing but the binding to write');
});

t.test('when the virtual image changed, then the host converges with a JSON patch that applies cleanly', async (t) => {
  const { virtual, host } = syncedPair();
  virtual.spec!.containers[0].image = 'nginx:1.28';
  const p = plan(virtual, host);
  t.match(p, { type: 'converge-host', host: HOST, changes: ['spec.containers[web].image'], ephemeralContainersToAdd: [] });
  if (p.type !== 'converge-host') return;
  t.same(p.patch, [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.28' }]);
  const patched = jsonpatch.applyPatch(structuredClone(host), p.patch as jsonpatch.Operation[]).newDocument;
  t.same(plan(virtual, patched), { type: 'nothing', reason: 'in-sync' }, 'applying the plan converges');
});

t.test('when a virtual label is added and another removed, then the host follows and keeps labels others added', async (t) => {
  const { virtual, host } = syncedPair();
  virtual.metadata!.labels = { tier: 'front/end', release: 'v2' };
  const p = plan(virtual, host);
  t.equal(p.type, 'converge-host');
  if (p.type !== 'converge-host') return;
  t.same(p.changes, ['metadata.labels', 'metadata.annotations']);
  t.ok(p.patch.some((op) => op.op === 'remove' && op.path === '/metadata/labels/app'));
  t.ok(p.patch.some((op) => op.op === 'add' && op.path === '/metadata/labels/vcluster.loft.sh~1label-vc-x-a4d451ec23'));
  const patched = jsonpatch.applyPatch(structuredClone(host), p.patch as jsonpatch.Operation[]).newDocument;
  t.same(patched.metadata!.labels, {
    tier: 'front/end', 'vcluster.loft.sh/label-vc-x-a4d451ec23': 'v2', 'host-added': 'yes',
    'vcluster.loft.sh/managed-by': 'vc', 'vcluster.loft.sh/namespace': 'default',
  });
  t.same(plan(virtual, patched), { type: 'nothing', reason: 'in-sync' });
});

t.test('when tolerations are added, scheduling gates removed and an ephemeral container added, then only allowed changes are planned', async (t) => {
  const { virtual, host } = syncedPair();
  host.spec!.schedulingGates = [{ name: 'a' }, { name: 'b' }];
  host.spec!.tolerations = [{ key: 'host-only', operator: 'Exists' }];
  virtual.spec!.schedulingGates = [{ name: 'b' }];
  virtual.spec!.tolerations = [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }];
  virtual.spec!.activeDeadlineSeconds = 600;
  virtual.spec!.ephemeralContainers = [{ name: 'debug', image: 'busybox', envFrom: [{ secretRef: { name: 'dbg' } }] }];
  const p = planPodSync({ virtualPod: virtual, hostPod: host, ctx: { ...ctx, syncEphemeralContainers: true }, now });
  t.equal(p.type, 'converge-host');
  if (p.type !== 'converge-host') return;
  t.same(p.changes, ['spec.activeDeadlineSeconds', 'spec.tolerations', 'spec.schedulingGates', 'spec.ephemeralContainers']);
  t.same(p.ephemeralContainersToAdd, [{ name: 'debug', image: 'busybox', envFrom: [{ secretRef: { name: 'dbg-x-default-x-vc' } }] }]);
  const patched = jsonpatch.applyPatch(structuredClone(host), p.patch as jsonpatch.Operation[]).newDocument;
  t.same(patched.spec!.tolerations, [{ key: 'host-only', operator: 'Exists' }, { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  t.same(patched.spec!.schedulingGates, [{ name: 'b' }]);
  t.equal(patched.spec!.activeDeadlineSeconds, 600);
});

t.test('when ephemeral container sync is off (the default), then a virtual debug container plans nothing', async (t) => {
  const { virtual, host } = syncedPair();
  virtual.spec!.ephemeralContainers = [{ name: 'debug', image: 'busybox' }];
  t.same(plan(virtual, host), { type: 'nothing', reason: 'in-sync' });
});

t.test('when the host pod converges and its status also moved, then one plan carries both', async (t) => {
  const v = virtualPod();
  const h = hostPodFor(v);
  v.spec!.containers[0].image = 'nginx:1.28';
  t.match(plan(v, h), { type: 'converge-host', report: { nodeName: 'node-1', status: { phase: 'Running' } } });
});

t.test('when the virtual pod is deleted, then the host pod is deleted with the same grace period and the host uid', async (t) => {
  const { virtual, host } = syncedPair();
  t.same(plan(deleting(virtual, now, 17), host), { type: 'delete-host', host: HOST, reason: 'virtual-deleting', gracePeriodSeconds: 17 });
});

t.test('when both are terminating, then status keeps flowing until the host pod is gone', async (t) => {
  const { virtual, host } = syncedPair();
  deleting(virtual, now, 30);
  deleting(host, new Date(now.getTime() + 30_000), 30);
  t.same(plan(virtual, host), { type: 'nothing', reason: 'waiting-for-host-delete' });
  host.status!.phase = 'Succeeded';
  t.match(plan(virtual, host), { type: 'report-status', report: { status: { phase: 'Succeeded' } } });
});

t.test('when the host pod is stuck terminating well past its deadline, then it is force-deleted', async (t) => {
  const { virtual, host } = syncedPair();
  deleting(virtual, now, 30);
  deleting(host, now, 30);
  t.same(plan(virtual, host, new Date(now.getTime() + STUCK_TERMINATING_MS - 1)), { type: 'nothing', reason: 'waiting-for-host-delete' });
  t.same(plan(virtual, host, new Date(now.getTime() + STUCK_TERMINATING_MS + 1)), { type: 'delete-host', host: HOST, reason: 'stuck-terminating', gracePeriodSeconds: 0 });
});

t.test('when the host pod is evicted while the virtual one lives, then the virtual pod follows with its own grace', async (t) => {
  const { virtual, host } = syncedPair();
  deleting(host, now, 30);
  host.status!.phase = 'Failed';
  host.status!.reason = 'Evicted';
  const p = plan(virtual, host);
  t.match(p, { type: 'recreate-or-reflect', decision: 'reflect', virtual: { name: 'web', uid: VUID }, gracePeriodSeconds: 45, report: { status: { phase: 'Failed', reason: 'Evicted' } } });
  delete virtual.spec!.terminationGracePeriodSeconds;
  t.match(plan(virtual, host), { gracePeriodSeconds: 30 });
});

t.test('when the virtual pod was re-created under the same name, then the old host pod is deleted first', async (t) => {
  const { virtual, host } = syncedPair();
  virtual.metadata!.uid = 'v-uid-2';
  t.same(plan(virtual, host), { type: 'delete-host', host: HOST, reason: 'uid-mismatch' });
  t.same(plan(virtual, deleting(host, now)), { type: 'nothing', reason: 'waiting-for-host-delete' });
});

t.test('when hostPodDiff compares a pod with itself, then nothing differs', async (t) => {
  const { host } = syncedPair();
  t.equal(hostPodDiff(host, host), undefined);
});

t.test('when the observed host pod has no labels at all, then the patch creates the map first', async (t) => {
  const desired: V1Pod = { metadata: { labels: { a: '1' } }, spec: { containers: [] } };
  const observed: V1Pod = { metadata: {}, spec: { containers: [] } };
  const diff = hostPodDiff(desired, observed)!;
  t.same(diff.patch, [{ op: 'add', path: '/metadata/labels', value: {} }, { op: 'add', path: '/metadata/labels/a', value: '1' }]);
  t.same(jsonpatch.applyPatch(observed, diff.patch as jsonpatch.Operation[]).newDocument.metadata, { labels: { a: '1' } });
});
