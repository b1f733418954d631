import t from 'tap';
import { cidrContains } from '../../infra/kube-sim/pod-ip.js';
import { nodes, pods } from '../../infra/kube-sim/resources.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { condition, container, isReady, startHost, statusOf, write } from './kubelet-harness.js';

const types = (pod: KubeObject) => statusOf(pod).conditions?.map((c) => c.type);

t.test('when the kubelets start, then they register Ready nodes with addresses, capacity and a /24 each', async (t) => {
  const host = await startHost({ nodes: 3 });
  t.teardown(() => host.stop());
  t.same(host.kubelets.nodes, ['sim-node-1', 'sim-node-2', 'sim-node-3']);
  const node = host.api.get(nodes, undefined, 'sim-node-2');
  t.match(node.metadata.labels, { 'kubernetes.io/hostname': 'sim-node-2', 'kubernetes.io/os': 'linux' });
  t.match(node.spec, { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] });
  const status = node.status as Record<string, any>;
  t.same(status.conditions.map((c: any) => [c.type, c.status]), [['MemoryPressure', 'False'], ['DiskPressure', 'False'], ['PIDPressure', 'False'], ['Ready', 'True']]);
  t.same(status.addresses, [{ type: 'InternalIP', address: '172.18.0.3' }, { type: 'Hostname', address: 'sim-node-2' }]);
  t.match(status.allocatable, { cpu: '8', pods: '110' });
  t.match(status.nodeInfo.kubeletVersion, /^v1\.32\.\d+$/);
});

t.test('when a pod is created, then the scheduler and the kubelet take it to Ready in the kubelet\'s sequence of writes', async (t) => {
  const host = await startHost();
  t.teardown(() => host.stop());
  const seen: KubeObject[] = [];
  const watch = host.api.watch(pods, 'default', { fieldSelector: 'metadata.name=web' }, (ev) => {
    if (ev.type === 'MODIFIED') seen.push(ev.object);
  });
  t.teardown(() => watch.stop());
  await host.createPod('web', { containers: [{ name: 'app', image: 'nginx:1.27' }] });
  await host.waitFor('web', isReady);
  await new Promise((r) => setTimeout(r, 100)); // nothing more is written once Ready

  t.equal(seen.length, 4, 'binding, first sync, sandbox, running');
  const [bound, accepted, sandbox, running] = seen as [KubeObject, KubeObject, KubeObject, KubeObject];
  const node = (bound.spec as { nodeName: string }).nodeName;
  t.match(node, /^sim-node-\d$/);
  t.same(types(bound), ['PodScheduled']);

  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  t.same(types(accepted), order);
  t.match(statusOf(accepted), { phase: 'Pending', hostIP: /^172\.18\.0\.\d+$/, qosClass: 'BestEffort' });
  t.ok((accepted.status as any).startTime);
  t.same((accepted.status as any).hostIPs, [{ ip: statusOf(accepted).hostIP }]);
  t.equal(statusOf(accepted).podIP, undefined, 'no pod IP before the sandbox exists');
  t.match(condition(accepted, 'PodReadyToStartContainers'), { status: 'False' });
  t.match(condition(accepted, 'Ready'), { status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
  t.match(container(accepted), { state: { waiting: { reason: 'ContainerCreating' } }, ready: false, started: false, restartCount: 0, image: 'nginx:1.27', imageID: '' });

  t.same(types(sandbox), order);
  t.match(condition(sandbox, 'PodReadyToStartContainers'), { status: 'True' });
  t.equal(statusOf(sandbox).phase, 'Pending');
  const ip = statusOf(sandbox).podIP!;
  t.ok(cidrContains((host.api.get(nodes, undefined, node).spec as any).podCIDR, ip), `${ip} is in ${node}'s CIDR`);
  t.same((sandbox.status as any).podIPs, [{ ip }]);

  t.same(types(running), order);
  t.equal(statusOf(running).phase, 'Running');
  for (const type of ['Ready', 'ContainersReady']) {
    const c = condition(running, type)!;
    t.equal(c.status, 'True');
    t.notOk(c.reason, `${type} True carries no reason`);
    t.notOk(c.message);
  }
  const app = container(running)!;
  t.match(app, { ready: true, started: true, restartCount: 0, state: { running: { startedAt: /Z$/ } }, lastState: {} });
  t.match(app.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
  t.match(app.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);

  const events = host.podEvents('web');
  t.same(events.map((e) => e.reason), ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
  t.match(events[0], { message: `Successfully assigned default/web to ${node}`, source: { component: 'default-scheduler' }, type: 'Normal' });
  for (const e of events.slice(1)) t.match(e, { source: { component: 'kubelet', host: node }, involvedObject: { fieldPath: 'spec.containers{app}', uid: running.metadata.uid } });
  t.match(events[1], { message: 'Pulling image "nginx:1.27"' });
  t.match(events[3], { message: 'Created container: app' });
  t.match(events[4], { message: 'Started container app' });
});

t.test('when a pod has an init container, then app containers wait PodInitializing until it completes', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  let sawInitializing = false;
  const watch = host.api.watch(pods, 'default', {}, (ev) => {
    if (condition(ev.object, 'Initialized')?.reason === 'ContainersNotInitialized' && container(ev.object)?.state.waiting?.reason === 'PodInitializing') sawInitializing = true;
  });
  t.teardown(() => watch.stop());
  await host.createPod('init', { initContainers: [{ name: 'setup', image: 'busybox:1.36' }], containers: [{ name: 'app', image: 'nginx:1.27' }] });
  const ready = await host.waitFor('init', isReady);
  t.ok(sawInitializing);
  t.match((ready.status as any).initContainerStatuses, [{ name: 'setup', state: { terminated: { exitCode: 0, reason: 'Completed' } } }]);
  t.match(condition(ready, 'Initialized'), { status: 'True' });
});

t.test('when a pod is deleted gracefully, then the kubelet stops its containers, then deletes it with grace 0', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('bye', { containers: [{ name: 'app', image: 'nginx:1.27' }] });
  const ready = await host.waitFor('bye', isReady);
  const trail: Array<{ type: string; pod: KubeObject }> = [];
  const watch = host.api.watch(pods, 'default', { fieldSelector: 'metadata.name=bye' }, (ev) => trail.push({ type: ev.type, pod: ev.object }));
  t.teardown(() => watch.stop());
  const gone = host.waitFor('bye', (_p, ev) => ev.type === 'DELETED');
  const res = await host.api.delete(pods, 'default', 'bye', {}, write);
  t.equal(res.gone, false, 'graceful: the pod stays until the kubelet is done');
  await gone;
  // Exit code 0, not 137: the container stopped on SIGTERM rather than being killed at the end of its grace.
  const final = trail.filter((e) => e.type === 'MODIFIED').pop()!.pod;
  t.match(container(final), { state: { terminated: { exitCode: 0, reason: 'Completed' } }, ready: false });
  t.equal(statusOf(final).phase, 'Succeeded');
  t.match(condition(final, 'Ready'), { status: 'False', reason: 'PodCompleted' });
  t.equal(trail.at(-1)!.type, 'DELETED');
  t.equal(trail.at(-1)!.pod.metadata.uid, ready.metadata.uid);
  t.match(host.podEvents('bye').find((e) => e.reason === 'Killing'), { message: 'Stopping container app', source: { component: 'kubelet' } });
});

t.test('when a container ignores SIGTERM, then a graceful delete takes the whole grace period and ends in SIGKILL', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('stubborn', { containers: [{ name: 'app', image: 'sim-ignore-sigterm' }] });
  await host.waitFor('stubborn', isReady);
  let last: KubeObject | undefined;
  const watch = host.api.watch(pods, 'default', { fieldSelector: 'metadata.name=stubborn' }, (ev) => {
    if (ev.type === 'MODIFIED') last = ev.object;
  });
  t.teardown(() => watch.stop());
  const gone = host.waitFor('stubborn', (_p, ev) => ev.type === 'DELETED', 5000);
  const started = Date.now();
  await host.api.delete(pods, 'default', 'stubborn', { gracePeriodSeconds: 1 }, write);
  await gone;
  t.ok(Date.now() - started >= 950, 'waited out the grace period');
  t.match(container(last), { state: { terminated: { exitCode: 137, reason: 'Error' } } });
  t.equal(statusOf(last).phase, 'Failed');
});

t.test('when a pod is deleted with grace 0, then the kubelet forgets it and writes nothing more', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('now', { containers: [{ name: 'app', image: 'sim-crash' }] });
  await host.waitFor('now', (p) => !!statusOf(p).podIP);
  const res = await host.api.delete(pods, 'default', 'now', { gracePeriodSeconds: 0 }, write);
  t.equal(res.gone, true);
  await host.createPod('now', { containers: [{ name: 'app', image: 'nginx:1.27' }] });
  const again = await host.waitFor('now', isReady);
  await new Promise((r) => setTimeout(r, 150));
  const current = host.api.get(pods, 'default', 'now');
  t.equal(current.metadata.uid, again.metadata.uid);
  t.equal(container(current)?.restartCount, 0, 'the old pod\'s crash loop did not touch the new pod');
});

t.test('when many pods start on several nodes, then pod IPs are unique and inside each node\'s CIDR', async (t) => {
  const host = await startHost({ nodes: 3, kubelet: { startupDelayMs: 5 } });
  t.teardown(() => host.stop());
  const names = Array.from({ length: 60 }, (_, i) => `p${i}`);
  await Promise.all(names.map((n) => host.createPod(n, { containers: [{ name: 'app', image: 'nginx:1.27' }] })));
  const ready = await Promise.all(names.map((n) => host.waitFor(n, isReady, 8000)));
  const ips = ready.map((p) => statusOf(p).podIP!);
  t.equal(new Set(ips).size, ips.length, 'unique');
  const perNode = new Map<string, number>();
  const outside: string[] = [];
  for (const p of ready) {
    const node = (p.spec as { nodeName: string }).nodeName;
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
    const cidr = (host.api.get(nodes, undefined, node).spec as { podCIDR: string }).podCIDR;
    if (!cidrContains(cidr, statusOf(p).podIP!)) outside.push(`${statusOf(p).podIP} not in ${cidr}`);
  }
  t.same(outside, [], 'every IP inside its node\'s CIDR');
  t.same([...perNode.values()], [20, 20, 20], 'spread evenly by the scheduler');
});

t.test('when the kubelets stop with pods in back-off, then no timer is left behind', async (t) => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const host = await startHost({ nodes: 1 });
  await host.createPod('loop', { containers: [{ name: 'app', image: 'sim-crash' }] });
  await host.createPod('pull', { containers: [{ name: 'app', image: 'sim-pull-fail' }] });
  await host.createPod('stubborn', { containers: [{ name: 'app', image: 'sim-ignore-sigterm' }] });
  await host.waitFor('loop', (p) => (container(p)?.restartCount ?? 0) >= 1);
  await host.waitFor('pull', (p) => container(p)?.state.waiting?.reason === 'ErrImagePull');
  await host.waitFor('stubborn', isReady);
  await host.api.delete(pods, 'default', 'stubborn', { gracePeriodSeconds: 30 }, write);
  t.ok(timers() > before, 'work was pending');
  await host.stop();
  t.equal(timers(), before);
});
