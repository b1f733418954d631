// The host side in real time, on the whole stack: what happens on the host after Ready reaches the virtual
// cluster through the host watch alone. Resync is set far out (an hour) so it cannot be what shows it.
import t from 'tap';
import { KubeConfig, PatchStrategy, setHeaderOptions, Watch, type V1Pod } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { hostWatchKeys } from '../../functions/_shared/queue/host-watch-keys.js';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';
import { followsInOrder, watchPodHistory } from '../helpers/pod-history.js';
import { parseRequestCounts } from '../../bench/stats.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const kcOf = (text: string) => {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
};
const hostName = (name: string) => hostPodName(name, ns, stack.endpoints.cluster);
const readVirtual = (name: string) => stack.virtualCore.readNamespacedPod({ namespace: ns, name });
const pod = (name: string, image: string, restartPolicy = 'Always'): V1Pod => ({ metadata: { name }, spec: { restartPolicy, containers: [{ name: 'app', image }] } });
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

t.test('when a container crashes after Ready, then the virtual pod shows its restarts and CrashLoopBackOff, never an older state', async (t) => {
  const hostHistory = await watchPodHistory(kcOf(stack.host.kubeconfig), stack.endpoints.hostNamespace, hostName('crash'));
  const virtualHistory = await watchPodHistory(kcOf(stack.virtual.kubeconfig), ns, 'crash');
  t.teardown(() => { hostHistory.stop(); virtualHistory.stop(); });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('crash', 'sim-crash') });
  const shown = await eventually('virtual pod in CrashLoopBackOff after restarts', async () => {
    const p = await readVirtual('crash');
    const c = p.status?.containerStatuses?.[0];
    return c && (c.restartCount ?? 0) >= 3 && c.state?.waiting?.reason === 'CrashLoopBackOff' && c;
  }, 60_000);
  t.ok(shown.lastState?.terminated, 'the last termination is shown');
  t.equal(shown.lastState?.terminated?.exitCode, 1);
  t.ok(hostHistory.states.some((s) => s.includes('|True|')), 'it was Ready on the host before it crashed');
  // Let a few more host changes happen, then compare the orders.
  await eventually('more restarts on the host', async () => ((await stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: hostName('crash') })).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 5, 60_000);
  const order = followsInOrder(virtualHistory.states, hostHistory.states, (s) => s.startsWith('Pending||'));
  t.ok(order.ok, order.detail || 'the virtual pod showed host states in the host order only');
});

t.test('when a host pod is deleted on the host, then the virtual pod is deleted too', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('gone', 'nginx:1.27') });
  await eventually('Ready', async () => isReady(await readVirtual('gone')));
  await stack.hostCore.deleteNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: hostName('gone') });
  await eventually('virtual pod deleting or gone', async () => {
    const p = await readOrUndefined(() => readVirtual('gone'));
    return p === undefined || Boolean(p.metadata?.deletionTimestamp);
  }, 30_000);
  await eventually('virtual pod gone', async () => (await readOrUndefined(() => readVirtual('gone'))) === undefined, 60_000);
  t.pass('the virtual pod followed the host pod');
});

t.test('when a pod completes on the host, then the virtual pod shows Succeeded and Completed', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('done', 'sim-exit-0', 'Never') });
  const done = await eventually('Succeeded', async () => {
    const p = await readVirtual('done');
    return p.status?.phase === 'Succeeded' && p;
  }, 30_000);
  const c = done.status?.containerStatuses?.[0];
  t.equal(c?.state?.terminated?.reason, 'Completed');
  t.equal(c?.state?.terminated?.exitCode, 0);
  t.notOk(isReady(done), 'no longer Ready');
});

t.test('when the watch is healthy, then status jobs read the host pod from the watch, not the host API', async (t) => {
  // The host API's own count of pod GETs (events are read by their own jobs and counted apart).
  const gets = () => [...parseRequestCounts(stack.host.metricsText())].filter(([k]) => k.startsWith('GET pods ')).reduce((n, [, v]) => n + v, 0);
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('cheap', 'sim-crash') });
  await eventually('first restart shown', async () => ((await readVirtual('cheap')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000);
  const before = gets();
  await eventually('three more restarts shown', async () => ((await readVirtual('cheap')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 4, 60_000);
  // Each restart is several host changes; without the watch each would have cost a host GET.
  t.ok(gets() - before <= 2, `host GETs while three restarts were shown: ${gets() - before}`);
});

/** The newest state of one virtual pod, from the test's own watch: waiting on it costs the virtual API no GET. */
async function followVirtual(name: string): Promise<{ latest(): V1Pod | undefined; until(what: string, ok: (p: V1Pod) => boolean, timeoutMs?: number): Promise<V1Pod>; stop(): void }> {
  let latest: V1Pod | undefined;
  const controller = await new Watch(kcOf(stack.virtual.kubeconfig)).watch(`/api/v1/namespaces/${ns}/pods`, { fieldSelector: `metadata.name=${name}` }, (type, p: V1Pod) => {
    if (type === 'ADDED' || type === 'MODIFIED') latest = p;
  }, () => undefined);
  return {
    latest: () => latest,
    until: (what, ok, timeoutMs = 60_000) => eventually(what, async () => (latest && ok(latest) ? latest : undefined), timeoutMs, 20),
    stop: () => controller.abort(),
  };
}

t.test('when the host pod changes after Ready, then status looks report it from the virtual pod a worker last wrote, not from a virtual GET; a stale copy costs one 409 and a read, never a wrong report', async (t) => {
  const counts = () => parseRequestCounts(stack.virtual.metricsText());
  const sum = (c: Map<string, number>, prefix: string) => [...c].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
  const restarts = (p: V1Pod) => p.status?.containerStatuses?.[0]?.restartCount ?? 0;
  const redis = new Redis(stack.redis.url);
  const virtual = await followVirtual('memo');
  t.teardown(() => { virtual.stop(); redis.disconnect(); });
  const seenKey = hostWatchKeys(stack.endpoints.queuePrefix, stack.endpoints.cluster).seenVirtual(hostName('memo'));
  const seenRv = async () => (await redis.get(seenKey))?.split('\t')[0];

  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('memo', 'sim-crash') });
  await virtual.until('first restart shown', (p) => restarts(p) >= 1);
  const before = counts();
  await virtual.until('three more restarts shown', (p) => restarts(p) >= 4);
  const between = counts();
  const reports = sum(between, 'PATCH pods/status ') - sum(before, 'PATCH pods/status ');
  const reads = sum(between, 'GET pods ') - sum(before, 'GET pods ');
  t.ok(reports >= 3, `the restarts were reported (${reports} status patches)`);
  // Reading before each report would make reads >= reports. A look that finds nothing to report (a second
  // look at a state already shown) still reads: "nothing" is only believed from the virtual API.
  t.ok(reads < reports, `reports planned from the pod the last report wrote: ${reads} virtual GETs for ${reports} reports`);
  t.equal(await seenRv(), virtual.latest()?.metadata?.resourceVersion, 'what is remembered is the virtual pod as it is');

  // The user's own change moves the virtual pod past the remembered copy.
  await stack.virtualCore.patchNamespacedPod({ namespace: ns, name: 'memo', body: { metadata: { labels: { tier: 'edge' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const shown = await virtual.until('two more restarts shown after the change', (p) => restarts(p) >= 6);
  t.equal(shown.metadata?.labels?.tier, 'edge', "the user's label stands: no report overwrote it");
  t.ok(sum(counts(), 'GET pods ') > sum(between, 'GET pods '), 'the stale copy was replaced by a read of the virtual API');
  const host = await stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: hostName('memo') });
  t.equal(host.metadata?.labels?.tier, 'edge', 'and the label reached the host pod through sync');
});
