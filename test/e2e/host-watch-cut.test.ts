// The host API cuts every watch a moment after it opens (the simulator's dropWatchesAfterMs fault, a load
// balancer with a short idle timeout): the host watch resumes each time from the last resourceVersion it
// stored, and no host change is missed. Resync is an hour away, so only the watch can show them.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const hostName = (name: string) => hostPodName(name, ns, stack.endpoints.cluster);
const pod = (name: string, image: string, restartPolicy = 'Always'): V1Pod => ({ metadata: { name }, spec: { restartPolicy, containers: [{ name: 'app', image }] } });
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const readVirtual = (name: string) => readOrUndefined(() => stack.virtualCore.readNamespacedPod({ namespace: ns, name }));

t.test('when the host cuts every watch after 200 ms, then crashes, completions and host deletes still all reach the virtual cluster', async (t) => {
  const steady = Array.from({ length: 6 }, (_, i) => `cut-${i}`);
  for (const name of steady) await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod(name, 'nginx:1.27') });
  for (const name of steady) await eventually(`${name} Ready`, async () => isReady(await readVirtual(name)), 30_000);

  const watchesBefore = stack.hostWatch!.stats.watches;
  stack.host.setFaults({ dropWatchesAfterMs: 200 });
  t.teardown(() => stack.host.setFaults({}));
  // A watch open before the fault keeps going until the server ends it: wait until new ones are being cut.
  await eventually('watches being cut', async () => stack.hostWatch!.stats.watches - watchesBefore >= 3, 60_000);
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('cut-crash', 'sim-crash') });
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: pod('cut-done', 'sim-exit-0', 'Never') });
  for (const name of steady.slice(0, 3)) await stack.hostCore.deleteNamespacedPod({ namespace: hostNs(), name: hostName(name) });

  for (const name of steady.slice(0, 3)) {
    await eventually(`${name} deleted in the virtual cluster`, async () => {
      const p = await readVirtual(name);
      return p === undefined || Boolean(p.metadata?.deletionTimestamp);
    }, 60_000);
  }
  await eventually('cut-done Succeeded', async () => (await readVirtual('cut-done'))?.status?.phase === 'Succeeded', 60_000);
  await eventually('cut-crash in CrashLoopBackOff after restarts', async () => {
    const c = (await readVirtual('cut-crash'))?.status?.containerStatuses?.[0];
    return (c?.restartCount ?? 0) >= 3 && c?.state?.waiting?.reason === 'CrashLoopBackOff';
  }, 60_000);
  const hostRestarts = (await stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostName('cut-crash') })).status?.containerStatuses?.[0]?.restartCount ?? 0;
  await eventually('cut-crash caught up with the host', async () => ((await readVirtual('cut-crash'))?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= hostRestarts, 30_000);
  for (const name of steady.slice(3)) t.ok(isReady(await readVirtual(name)), `${name} is still Ready`);
  t.ok(stack.hostWatch!.stats.watches - watchesBefore >= 6, `the watch was cut and reopened (${stack.hostWatch!.stats.watches - watchesBefore} watch requests)`);
});
