// Metadata both ways on the whole stack: a namespace's labels reach its host pods (and follow a label
// change), labels a host component adds appear on the virtual pod, virtual changes reach the host and win
// for the virtual pod's own keys, and a readiness gate set in the virtual cluster makes the host pod Ready.
import t from 'tap';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { namespaceLabelKey } from '../../functions/_shared/core/provenance.js';
import { HOST_LABELS_ANNOTATION } from '../../functions/_shared/core/host-metadata.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600 });
});
t.teardown(() => stack?.stop());

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const hostNs = () => stack.endpoints.hostNamespace;
const readHost = (name: string, ns = 'default') => stack.hostCore.readNamespacedPod({ namespace: hostNs(), name: hostPodName(name, ns, stack.endpoints.cluster) });
const readVirtual = (name: string, ns = 'default') => stack.virtualCore.readNamespacedPod({ namespace: ns, name });
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({ metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });

t.test('when a namespace has labels, then its host pods carry them, and a label change reaches them', async (t) => {
  await stack.virtualCore.createNamespace({ body: { metadata: { name: 'team-a', labels: { tier: 'gold' } } } });
  await stack.virtualCore.createNamespacedPod({ namespace: 'team-a', body: pod('api') });
  const key = namespaceLabelKey('tier', stack.endpoints.cluster);
  await eventually('the host pod with the namespace label', async () => (await readHost('api', 'team-a')).metadata?.labels?.[key] === 'gold', 30_000);
  await stack.virtualCore.patchNamespace({ name: 'team-a', body: { metadata: { labels: { tier: 'silver' } } } }, merge);
  await eventually('the new namespace label on the host pod', async () => (await readHost('api', 'team-a')).metadata?.labels?.[key] === 'silver', 30_000);
  t.pass('the host pod follows its namespace');
});

t.test('when a host component labels the host pod, then the virtual pod shows it; the virtual pod\'s own labels win on the host', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('labelled', { app: 'web' }) });
  await eventually('Ready', async () => isReady(await readVirtual('labelled')), 30_000);
  const hostName = hostPodName('labelled', 'default', stack.endpoints.cluster);
  await stack.hostCore.patchNamespacedPod({ namespace: hostNs(), name: hostName, body: { metadata: { labels: { 'topology.example/zone': 'zone-a' }, annotations: { 'cni.example/ip': '10.9.9.9' } } } }, merge);
  const shown = await eventually('the host label on the virtual pod', async () => {
    const v = await readVirtual('labelled');
    return v.metadata?.labels?.['topology.example/zone'] === 'zone-a' && v.metadata?.annotations?.['cni.example/ip'] === '10.9.9.9' && v;
  }, 30_000);
  t.equal(shown.metadata?.annotations?.[HOST_LABELS_ANNOTATION], 'topology.example/zone', 'listed as the host\'s');
  // The host changes its own label: the virtual pod follows.
  await stack.hostCore.patchNamespacedPod({ namespace: hostNs(), name: hostName, body: { metadata: { labels: { 'topology.example/zone': 'zone-b' } } } }, merge);
  await eventually('the virtual pod follows the host\'s label', async () => (await readVirtual('labelled')).metadata?.labels?.['topology.example/zone'] === 'zone-b', 30_000);
  // A virtual change to the virtual pod's own label reaches the host.
  await stack.virtualCore.patchNamespacedPod({ namespace: 'default', name: 'labelled', body: { metadata: { labels: { app: 'web-2' } } } }, merge);
  await eventually('the virtual label on the host', async () => (await readHost('labelled')).metadata?.labels?.app === 'web-2', 30_000);
  // Someone on the host changes the virtual pod's own label: the virtual value wins.
  await stack.hostCore.patchNamespacedPod({ namespace: hostNs(), name: hostName, body: { metadata: { labels: { app: 'tampered' } } } }, merge);
  await eventually('the virtual value restored on the host', async () => (await readHost('labelled')).metadata?.labels?.app === 'web-2', 30_000);
  t.equal((await readVirtual('labelled')).metadata?.labels?.app, 'web-2', 'and the virtual pod kept its own value');
  t.equal((await readHost('labelled')).metadata?.labels?.['topology.example/zone'], 'zone-b', 'the host\'s label stays the host\'s');
});

// Known failure since the merge of the host watch with the ownership and policy changes (issue 9 stays open):
// the condition never reaches the host pod. Marked todo so it is reported, not hidden, until it is fixed.
t.test('when a virtual controller sets a readiness gate condition, then the host pod and the virtual pod become Ready', async (t) => {
  const gated: V1Pod = { metadata: { name: 'gated' }, spec: { readinessGates: [{ conditionType: 'example.com/in-rotation' }], containers: [{ name: 'app', image: 'nginx:1.27' }] } };
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: gated });
  await eventually('running but not Ready on the host', async () => {
    const h = await readHost('gated');
    return h.status?.containerStatuses?.[0]?.ready === true && !isReady(h);
  }, 30_000);
  t.notOk(isReady(await readVirtual('gated')), 'not Ready in the virtual cluster either');
  // As the controller does: the condition on the virtual pod's status.
  await stack.virtualCore.patchNamespacedPodStatus({ namespace: 'default', name: 'gated', body: { status: { conditions: [{ type: 'example.com/in-rotation', status: 'True', lastTransitionTime: new Date() }] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
  await eventually('Ready on the host', async () => isReady(await readHost('gated')), 30_000);
  await eventually('Ready in the virtual cluster', async () => isReady(await readVirtual('gated')), 30_000);
  const conditions = (await readVirtual('gated')).status?.conditions ?? [];
  t.equal(conditions.find((c) => c.type === 'example.com/in-rotation')?.status, 'True', 'the gate condition kept');
});
