// Two `podferry host-watch` processes, one lease: the leader is SIGKILLed while pods change on the host,
// the other takes over from the resourceVersion the first stored, and nothing that happened meanwhile is
// missed. Resync is an hour away and status trackers have ended, so only the host watch can show these.
import t from 'tap';
import { Redis } from 'ioredis';
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { hostWatchKeys } from '../../functions/_shared/queue/host-watch-keys.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';
import { spawnPodferry, type WorkerProcess } from '../helpers/worker-process.js';

let stack: TestStack;
let redis: Redis;
const watchers = new Map<string, WorkerProcess>();
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600, inProcessHostWatch: false, hostWatchLeaseSeconds: 3 });
  redis = new Redis(stack.endpoints.redis.url);
  for (const name of ['watch-a', 'watch-b']) watchers.set(name, spawnPodferry('host-watch', { ...stack.workerEnv, HOST_WATCH_INSTANCE: name }));
});
t.teardown(async () => {
  for (const w of watchers.values()) await w.kill();
  redis?.disconnect();
  await stack?.stop();
});

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const hostName = (name: string) => hostPodName(name, ns, stack.endpoints.cluster);
const pod = (name: string, image: string): V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'app', image }] } });
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const leader = async () => (await redis.get(hostWatchKeys(stack.endpoints.queuePrefix, stack.endpoints.cluster).lease))?.split(':')[1];
const restarts = (p: V1Pod | undefined) => p?.status?.containerStatuses?.[0]?.restartCount ?? 0;

t.test('when the leading host watch is killed while pods change, then the other takes over and no change is missed', async (t) => {
  const first = await eventually('a leader', leader, 90_000).catch((err) => { t.comment([...watchers.values()].map((w) => w.stderr()).join('\n')); throw err; });
  const steady = ['keep-0', 'keep-1', 'keep-2', 'keep-3'];
  for (const name of steady) await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod(name, 'nginx:1.27') });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('flaky', 'sim-crash') });
  for (const name of steady) await eventually(`${name} Ready`, async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name })), 30_000);
  await eventually('flaky restarting in the virtual cluster', async () => restarts(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'flaky' })) >= 1, 30_000);

  await watchers.get(first)!.kill('SIGKILL');
  // While nobody watches: two host pods deleted on the host; the crash loop goes on.
  for (const name of steady.slice(0, 2)) await stack.hostCore.deleteNamespacedPod({ namespace: hostNs(), name: hostName(name) });

  const second = await eventually('another leader', async () => {
    const now = await leader();
    return now && now !== first ? now : undefined;
  }, 60_000);
  t.not(second, first, `${second} took over from ${first}`);
  for (const name of steady.slice(0, 2)) {
    await eventually(`${name} deleted in the virtual cluster`, async () => {
      const p = await readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name }));
      return p === undefined || Boolean(p.metadata?.deletionTimestamp);
    }, 30_000);
  }
  const hostRestarts = restarts(await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('flaky') }));
  await eventually('flaky caught up with the host', async () => restarts(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'flaky' })) >= hostRestarts, 30_000);
  for (const name of steady.slice(2)) t.ok(isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name })), `${name} is still Ready`);
});
