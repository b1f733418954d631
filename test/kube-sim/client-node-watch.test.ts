// Watch, informer and graceful deletion through @kubernetes/client-node against startCluster over HTTPS.
import { CoreV1Api, KubeConfig, makeInformer, Watch, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';

let cluster: StartedCluster;
let core: CoreV1Api;
let kc: KubeConfig;

t.before(async () => {
  cluster = await startCluster({ mode: 'virtual', watchHistory: 50 });
  kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
t.teardown(() => cluster.close());

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

t.test('when a watch resumes from a resourceVersion, then it sees exactly the later changes, in order', async (t) => {
  const first = await core.createNamespacedPod({ namespace: 'default', body: pod('w-1', { w: 'resume' }) });
  const from = first.metadata!.resourceVersion!;
  await core.createNamespacedPod({ namespace: 'default', body: pod('w-2', { w: 'resume' }) });
  const seen: string[] = [];
  let ended: unknown = 'open';
  const controller = await new Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: from, labelSelector: 'w=resume', timeoutSeconds: 1 },
    (type, obj: V1Pod) => seen.push(`${type} ${obj.metadata?.name}`), (err) => (ended = err));
  await until(() => seen.length >= 1, 'the replayed events');
  await core.deleteNamespacedPod({ namespace: 'default', name: 'w-2' });
  await until(() => seen.includes('DELETED w-2'), 'the live DELETED event');
  t.equal(seen[0], 'ADDED w-2', 'the event at the resume point itself is not repeated');
  t.notOk(seen.includes('ADDED w-1'));
  await until(() => ended !== 'open', 'timeoutSeconds to end the stream', 3000);
  t.equal(ended, null, 'timeoutSeconds ends the stream cleanly');
  controller.abort();
});

t.test('when a watch asks for a resourceVersion older than the history, then it gets one ERROR event with 410 Expired', async (t) => {
  const start = await core.createNamespacedPod({ namespace: 'default', body: pod('old-0') });
  for (let i = 0; i < 60; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `churn-${i}` } } });
  const events: Array<[string, Record<string, unknown>]> = [];
  let ended: unknown = 'open';
  await new Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: start.metadata!.resourceVersion },
    (type, obj) => events.push([type, obj]), (err) => (ended = err));
  await until(() => ended !== 'open', 'the stream to end');
  t.equal(events.length, 1);
  t.equal(events[0][0], 'ERROR');
  t.match(events[0][1], { kind: 'Status', code: 410, reason: 'Expired', message: /too old resource version/ });
});

t.test('when an informer runs, then its handlers see add, update and delete', async (t) => {
  const informer = makeInformer(kc, '/api/v1/namespaces/default/pods',
    () => core.listNamespacedPod({ namespace: 'default', labelSelector: 'inf=yes' }), 'inf=yes');
  const seen: string[] = [];
  informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
  informer.on('update', (p) => seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.v ?? ''}`));
  informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
  informer.on('error', (err) => seen.push(`error ${String(err)}`));
  await core.createNamespacedPod({ namespace: 'default', body: pod('inf-before', { inf: 'yes' }) });
  await informer.start();
  await until(() => seen.includes('add inf-before'), 'the listed pod');
  await core.createNamespacedPod({ namespace: 'default', body: pod('inf-live', { inf: 'yes' }) });
  await until(() => seen.includes('add inf-live'), 'the live add');
  const live = await core.readNamespacedPod({ namespace: 'default', name: 'inf-live' });
  live.metadata!.labels = { inf: 'yes', v: '2' };
  await core.replaceNamespacedPod({ namespace: 'default', name: 'inf-live', body: live });
  await until(() => seen.includes('update inf-live 2'), 'the update');
  await core.deleteNamespacedPod({ namespace: 'default', name: 'inf-live' });
  await until(() => seen.includes('delete inf-live'), 'the delete');
  t.equal(informer.list().length, 1);
  t.notOk(seen.some((s) => s.startsWith('error')), seen.join('; '));
  await informer.stop();
});

t.test('when a bound pod is deleted, then it stays with a deletionTimestamp until a delete with grace 0', async (t) => {
  await core.createNamespacedPod({ namespace: 'default', body: pod('graceful') });
  await core.createNamespacedPodBinding({ namespace: 'default', name: 'graceful', body: { metadata: { name: 'graceful' }, target: { kind: 'Node', name: 'node-1' } } });
  const bound = await core.readNamespacedPod({ namespace: 'default', name: 'graceful' });
  t.equal(bound.spec?.nodeName, 'node-1');
  const deleting = await core.deleteNamespacedPod({ namespace: 'default', name: 'graceful' });
  t.ok(deleting.metadata?.deletionTimestamp, 'deletionTimestamp set');
  t.equal(deleting.metadata?.deletionGracePeriodSeconds, 30);
  const still = await core.readNamespacedPod({ namespace: 'default', name: 'graceful' });
  t.ok(still.metadata?.deletionTimestamp, 'still there while the grace period runs');
  await core.deleteNamespacedPod({ namespace: 'default', name: 'graceful', gracePeriodSeconds: 0 });
  const gone = await core.readNamespacedPod({ namespace: 'default', name: 'graceful' }).then(() => 'present', (err: { code?: number }) => err.code);
  t.equal(gone, 404);
});
