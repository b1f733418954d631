// Host events reach the virtual pod: `kubectl describe pod` in the virtual cluster tells the pod's story as
// the host saw it, in virtual names only, and a host event that repeats updates one virtual event.
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { parseRequestCounts } from '../../bench/stats.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 3600 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const hostName = (name: string) => hostPodName(name, ns, stack.endpoints.cluster);
const virtualEvents = async (name: string) => {
  const uid = (await stack.virtualCore.readNamespacedPod({ namespace: ns, name })).metadata?.uid;
  return (await stack.virtualCore.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name},involvedObject.uid=${uid}` })).items;
};
const reasons = (events: CoreV1Event[]) => events.map((e) => e.reason ?? '');
const HOST_WORDS = /vcluster-|-x-default-x-/;

t.test('when a pod starts on the host, then describe in the virtual cluster shows Scheduled once, Pulling, Pulled, Created and Started', { skip: hasKubectl ? false : 'kubectl is not installed' }, async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'story' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  const events = await eventually('the start events', async () => {
    const list = await virtualEvents('story');
    return ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'].every((r) => reasons(list).includes(r)) && list;
  }, 30_000);
  const scheduled = events.filter((e) => e.reason === 'Scheduled');
  t.equal(scheduled.length, 1, 'exactly one Scheduled');
  t.equal(scheduled[0].source?.component ?? scheduled[0].reportingComponent, 'default-scheduler');
  t.match(scheduled[0].message, /^Successfully assigned default\/story to /);
  for (const e of events) t.notOk(HOST_WORDS.test(JSON.stringify(e)), `${e.reason}: no host name`);
  const hostEventGets = [...parseRequestCounts(stack.host.metricsText())].filter(([k]) => k.startsWith('GET events ')).reduce((n, [, v]) => n + v, 0);
  t.equal(hostEventGets, 0, 'event jobs read the events the watch stashed, not the host API');

  const kubectl = kubectlIn('podferry-events');
  await writeFile(kubectl.kubeconfig, stack.virtual.kubeconfig);
  const out = await kubectl.run('describe', 'pod', 'story', '-n', ns);
  t.equal(out.code, 0, out.stderr);
  const section = out.stdout.slice(out.stdout.indexOf('Events:'));
  for (const reason of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']) t.match(section, new RegExp(`\\b${reason}\\b`), `describe shows ${reason}`);
  t.equal(section.match(/\bScheduled\b/g)?.length, 1, 'one Scheduled line');
  t.match(section, /default-scheduler/);
  t.notMatch(section, HOST_WORDS, 'describe names no host object');
});

t.test('when a container crash loops and a volume is missing, then the failure events show, in virtual names', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'crashy' }, spec: { containers: [{ name: 'app', image: 'sim-crash' }] } } });
  const crash = await eventually('BackOff', async () => (await virtualEvents('crashy')).find((e) => e.reason === 'BackOff'), 30_000);
  t.equal(crash.type, 'Warning');
  t.notMatch(crash.message, HOST_WORDS);
  t.match(crash.message, /crashy_default\(/, 'the kubelet\'s pod_namespace(uid) in virtual words');

  const mounting: V1Pod = { metadata: { name: 'mounting' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], volumes: [{ name: 'cfg', configMap: { name: 'not-there' } }] } };
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: mounting });
  const failed = await eventually('FailedMount', async () => (await virtualEvents('mounting')).find((e) => e.reason === 'FailedMount'), 30_000);
  t.equal(failed.type, 'Warning');
  t.match(failed.message, /"not-there"/, 'the virtual ConfigMap name');
  t.notMatch(failed.message, HOST_WORDS);
});

t.test('when a host event repeats, then the one virtual event carries the new count', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'again' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  await eventually('Started on the virtual pod', async () => reasons(await virtualEvents('again')).includes('Started'), 30_000);
  // As the host's event recorder does for a repeat: the same event, count and lastTimestamp moved on.
  const hostStarted = (await stack.hostCore.listNamespacedEvent({ namespace: hostNs(), fieldSelector: `involvedObject.name=${hostName('again')},reason=Started` })).items[0];
  const later = new Date(Date.now() + 5000);
  await stack.hostCore.replaceNamespacedEvent({ namespace: hostNs(), name: hostStarted.metadata!.name!, body: { ...hostStarted, count: 2, lastTimestamp: later } });
  const updated = await eventually('count 2 on the virtual event', async () => (await virtualEvents('again')).find((e) => e.reason === 'Started' && e.count === 2), 30_000);
  t.equal(new Date(updated.lastTimestamp!).toISOString().slice(0, 19), later.toISOString().slice(0, 19));
  t.equal((await virtualEvents('again')).filter((e) => e.reason === 'Started').length, 1, 'still one Started event');
});
