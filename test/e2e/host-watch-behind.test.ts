// A host watch that is healthy but behind (docs/adr/0010-trust-the-watch.md): its heartbeat is alive, yet it
// has not written the snapshot of a host pod that exists. Sync trusts the watch's word that no host pod is
// there for a create only: the create is refused (409), sync reads the host pod and converges. Any other
// plan from that absence (a started virtual pod whose host pod "vanished") is made again from the host API,
// so a stale absence never deletes a virtual pod nor creates a second host pod. And with a healthy watch a
// new pod is created on the host without a host GET.
// The watcher here is a real lease holder that only ever reports progress: behind by construction.
import t from 'tap';
import { Redis } from 'ioredis';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { createHostPodStateWriter, type HostPodStateWriter } from '../../functions/_shared/queue/host-pod-state.js';
import { createLeaseStore } from '../../functions/_shared/queue/host-watch-lease.js';
import { hostWatchKeys } from '../../functions/_shared/queue/host-watch-keys.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let redis: Redis;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600, inProcessHostWatch: false });
  redis = new Redis(stack.redis.url);
});
t.teardown(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const hostNs = () => stack.endpoints.hostNamespace;
const hostName = (name: string) => hostPodName(name, 'default', stack.endpoints.cluster);
const readHost = (name: string) => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName(name) });
const readVirtual = (name: string) => stack.virtualCore.readNamespacedPod({ namespace: 'default', name });
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const pod = (name: string): V1Pod => ({ metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
/** The host simulator's request counter for one verb, resource and code, summed over codes when none is given. */
const hostRequests = (verb: string, code?: number) => {
  let n = 0;
  for (const m of stack.host.metricsText().matchAll(/^apiserver_request_total\{code="(\d+)",resource="pods",verb="([A-Z]+)"\} (\d+)/gm)) {
    if (m[2] === verb && (code === undefined || Number(m[1]) === code)) n += Number(m[3]);
  }
  return n;
};

/** Until no sync job is waiting or running: the ones a step brought have done their work. */
const settled = () => eventually('the sync jobs done', async () => {
  const counts = await stack.workers!.deps.queues.sync.getJobCounts('active', 'waiting', 'prioritized');
  return Object.values(counts).every((n) => n === 0);
}, 30_000);

let writer: HostPodStateWriter | undefined;
/** Takes the lease once, then (each call) shows life: the heartbeat, and nothing else. */
async function behindWatch(): Promise<void> {
  if (!writer) {
    const keys = hostWatchKeys(stack.endpoints.queuePrefix, stack.endpoints.cluster);
    const lease = await createLeaseStore(redis, keys, 'behind', 120_000).tryAcquire();
    if (!lease) throw new Error('the host watch lease is held by another instance');
    writer = createHostPodStateWriter(redis, keys, () => lease.value, 120_000);
  }
  await writer.progress();
}

t.test('when the healthy watch has not seen a started pod\'s host pod, then a sync converges it and deletes nothing', async (t) => {
  // Synced while no watch is healthy: status polls make the virtual pod Ready (it has started).
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('started') });
  await eventually('Ready through polling', async () => isReady(await readVirtual('started')), 30_000);
  const hostUid = (await readHost('started')).metadata?.uid;
  await behindWatch();
  // A virtual change: sync sees no snapshot, which alone would say "the host pod vanished after it started".
  await stack.virtualCore.patchNamespacedPod({ namespace: 'default', name: 'started', body: { metadata: { labels: { app: 'web-2' } } } }, merge);
  const host = await eventually('the change on the host pod', async () => {
    const h = await readHost('started');
    return h.metadata?.labels?.app === 'web-2' && h;
  }, 30_000);
  t.equal(host.metadata?.uid, hostUid, 'the same host pod, converged');
  const virtual = await readVirtual('started');
  t.notOk(virtual.metadata?.deletionTimestamp, 'the virtual pod was not deleted');
  t.ok(isReady(virtual), 'and is still Ready');
});

t.test('when the watch is healthy, then a new pod is created on the host without a host GET; a create over a pod the watch has not seen converges', async (t) => {
  await behindWatch();
  const [gets, refused] = [hostRequests('GET'), hostRequests('POST', 409)];
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('fresh') });
  const created = await eventually('the host pod', async () => (await stack.hostCore.listNamespacedPod({ namespace: hostNs(), fieldSelector: `metadata.name=${hostName('fresh')}` })).items[0], 30_000);
  await settled();
  // The create's audit event may bring a second sync after the first: it plans a create from the same absence,
  // is refused, and only then reads the host pod. A host GET never comes without a refused create before it.
  t.ok(hostRequests('GET') - gets <= hostRequests('POST', 409) - refused, `no host GET of a pod on the way but after a refused create (GET +${hostRequests('GET') - gets}, 409 +${hostRequests('POST', 409) - refused})`);
  // The watch never wrote this pod's snapshot: a virtual change plans from that absence again (a create, which
  // the host refuses, or, once a second sync has reported the pod, "its host pod vanished", which is made again
  // from the host API); either way the existing host pod converges.
  await stack.virtualCore.patchNamespacedPod({ namespace: 'default', name: 'fresh', body: { metadata: { labels: { app: 'web-3' } } } }, merge);
  const host = await eventually('the change on the host pod', async () => {
    const h = await readHost('fresh');
    return h.metadata?.labels?.app === 'web-3' && h;
  }, 30_000);
  t.ok(hostRequests('POST', 409) > refused, 'a create from the stale absence was refused by the host (the second sync\'s or the change\'s)');
  t.equal(host.metadata?.uid, created.metadata?.uid, 'and the existing host pod converged');
  const pods = await stack.hostCore.listNamespacedPod({ namespace: hostNs() });
  t.equal(pods.items.filter((p) => p.metadata?.name === hostName('fresh')).length, 1, 'one host pod');
});
