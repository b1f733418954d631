// The pod watch against a host simulator with a short watch history and a real Redis: from nothing it lists
// and asks for one resync; it resumes from the stored resourceVersion; when that is too old (410 Gone) it
// lists again and turns what changed meanwhile into jobs: a status look for a changed pod, a sync for a gone one.
import t from 'tap';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { KubeConfig, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { translatePod } from '../../functions/_shared/core/translate-pod.js';
import { createKubeSide } from '../../functions/_shared/kube/kube-side.js';
import { PooledKubeConfig } from '../../functions/_shared/kube/pooled-kube-config.js';
import { createHostPodStateReader, createHostPodStateWriter } from '../../functions/_shared/queue/host-pod-state.js';
import { createLeaseStore } from '../../functions/_shared/queue/host-watch-lease.js';
import { hostWatchKeys } from '../../functions/_shared/queue/host-watch-keys.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { createPodWatchStats, runPodWatch } from '../../functions/host-watch/pod-watch.js';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { eventually } from '../helpers/stack.js';
import { startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

const HOST_NS = 'vcluster-demo';
const ctx = { vcluster: 'demo', hostNamespace: HOST_NS, hostServiceAccount: 'default' };
let redis: RedisHandle;
let conn: Redis;
let host: StartedCluster;
let core: CoreV1Api;
t.before(async () => {
  redis = await startRedis();
  conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  host = await startCluster({ mode: 'host', nodes: 1, watchHistory: 30 });
  const kc = new KubeConfig();
  kc.loadFromString(host.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: HOST_NS } } });
});
t.teardown(async () => {
  conn?.disconnect();
  await host?.close();
  await redis?.stop();
});

const hostPod = (name: string) => translatePod({ metadata: { name, namespace: 'default', uid: `00000000-0000-4000-8000-0000000000${name.slice(-2)}` }, spec: { containers: [{ name: 'app', image: 'nginx' }] } }, ctx);

t.test('when the stored resourceVersion has expired, then the watch lists again and queues what changed and what went', async (t) => {
  const prefix = uniquePrefix('pw');
  const keys = hostWatchKeys(prefix, 'demo');
  const lease = (await createLeaseStore(conn, keys, 'me', 60_000).tryAcquire())!;
  const state = createHostPodStateWriter(conn, keys, () => lease.value, 60_000);
  const queues = { sync: new Queue(QUEUE_NAMES.sync, { connection: conn, prefix }), status: new Queue(QUEUE_NAMES.status, { connection: conn, prefix }), resync: new Queue(QUEUE_NAMES.resync, { connection: conn, prefix }) };
  const kc = new PooledKubeConfig();
  kc.loadFromString(host.kubeconfig);
  const side = createKubeSide({ name: 'host', kubeConfig: kc });
  t.teardown(async () => {
    for (const q of Object.values(queues)) await q.close();
    side.close();
  });
  const stats = createPodWatchStats();
  const deps = { cluster: 'demo', hostNamespace: HOST_NS, host: side, state, queues, log: pino({ level: 'silent' }), now: () => new Date(), watchTimeoutSeconds: 5, idleMs: 15_000, stats };
  for (const name of ['pw-01', 'pw-02', 'pw-03']) await core.createNamespacedPod({ namespace: HOST_NS, body: hostPod(name) });
  const names = ['pw-01', 'pw-02', 'pw-03'].map((n) => hostPod(n).metadata!.name!);

  // Settled first (Ready on the simulated kubelet), so only what happens after the list counts as a change.
  await eventually('all three Ready on the host', async () => {
    for (const name of names) {
      const pod = await core.readNamespacedPod({ namespace: HOST_NS, name });
      if (!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
    }
    return true;
  });
  // First start: nothing stored, so a list, and one resync instead of a look at every pod.
  let stop = new AbortController();
  let running = runPodWatch(deps, stop.signal);
  await eventually('all three stored', async () => (await state.index()).size === 3);
  t.equal(stats.relists, 1);
  t.equal(await queues.resync.count(), 1, 'one resync asked for');
  t.equal(await queues.status.count(), 0, 'no look at pods nobody knows changed');
  stop.abort();
  await running;

  // While nobody watches: one pod deleted, one relabelled, and enough other writes to expire the history.
  await core.deleteNamespacedPod({ namespace: HOST_NS, name: names[0], gracePeriodSeconds: 0 });
  await core.patchNamespacedPod({ namespace: HOST_NS, name: names[1], body: { metadata: { labels: { touched: 'yes' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  for (let i = 0; i < 40; i++) await core.createNamespacedConfigMap({ namespace: HOST_NS, body: { metadata: { name: `churn-${i}` } } });

  stop = new AbortController();
  running = runPodWatch(deps, stop.signal);
  await eventually('the deleted pod forgotten', async () => !(await state.index()).has(names[0]));
  t.equal(stats.relists, 2, 'the expired resourceVersion led to a second list');
  const syncs = (await queues.sync.getJobs(['waiting', 'delayed', 'active'])).map((j) => j.data.name);
  t.same(syncs, ['pw-01'], 'the gone pod gets a sync');
  const looks = (await queues.status.getJobs(['waiting', 'delayed', 'active'])).map((j) => j.data.ref.name);
  t.ok(looks.includes('pw-02'), `the changed pod gets a status look (${looks})`);
  t.notOk(looks.includes('pw-03'), 'the unchanged pod does not');
  const snapshot = JSON.parse((await createHostPodStateReader(conn, keys).read(names[1])).snapshot!);
  t.equal(snapshot.metadata.labels.touched, 'yes', 'the stored snapshot is the current pod');
  t.same(snapshot.spec?.containers, [{ name: 'app', image: 'nginx' }], 'and of its containers only names and images');

  // Live again: a change now arrives through the watch, not a list.
  await core.patchNamespacedPod({ namespace: HOST_NS, name: names[2], body: { metadata: { labels: { touched: 'live' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await eventually('the live change stored', async () => JSON.parse((await createHostPodStateReader(conn, keys).read(names[2])).snapshot!).metadata.labels.touched === 'live');
  t.equal(stats.relists, 2, 'no further list');
  stop.abort();
  await running;
});
