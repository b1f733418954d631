import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { nodes, pods } from '../../infra/kube-sim/resources.js';
import { startScheduler, unschedulableMessage } from '../../infra/kube-sim/scheduler.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { condition, isReady, startHost, write } from './kubelet-harness.js';

const nodeOf = (p: KubeObject | undefined) => (p?.spec as { nodeName?: string } | undefined)?.nodeName;
const unresolvable = (reason: string) => ({ reason, resolvable: false });
const app = { containers: [{ name: 'app', image: 'nginx:1.27' }] };

t.test('when no node matches the nodeSelector, then the pod is Unschedulable until a node gets the label', async (t) => {
  const host = await startHost({ nodes: 2 });
  t.teardown(() => host.stop());
  await host.createPod('picky', { ...app, nodeSelector: { disk: 'ssd' } });
  const stuck = await host.waitFor('picky', (p) => condition(p, 'PodScheduled')?.status === 'False');
  const message = "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..";
  t.match(condition(stuck, 'PodScheduled'), { reason: 'Unschedulable', message });
  t.notOk(nodeOf(stuck));
  t.match(host.podEvents('picky').find((e) => e.reason === 'FailedScheduling'), { type: 'Warning', message, source: { component: 'default-scheduler' } });

  await host.api.patch(nodes, undefined, 'sim-node-2', 'merge', { metadata: { labels: { disk: 'ssd' } } }, write);
  const ready = await host.waitFor('picky', isReady);
  t.equal(nodeOf(ready), 'sim-node-2');
  t.match(condition(ready, 'PodScheduled'), { status: 'True' });
  t.notOk(condition(ready, 'PodScheduled')?.reason, 'the binding replaced the Unschedulable condition');
});

t.test('when a node is cordoned, then new pods go to the other nodes', async (t) => {
  const host = await startHost({ nodes: 2 });
  t.teardown(() => host.stop());
  await host.api.patch(nodes, undefined, 'sim-node-1', 'merge', { spec: { unschedulable: true } }, write);
  await new Promise((r) => setTimeout(r, 20));
  for (const n of ['a', 'b', 'c']) await host.createPod(n, app);
  const bound = await Promise.all(['a', 'b', 'c'].map((n) => host.waitFor(n, (p) => !!p && !!nodeOf(p))));
  t.same(bound.map(nodeOf), ['sim-node-2', 'sim-node-2', 'sim-node-2']);
});

t.test('when a node already runs pods, then the scheduler fills the least loaded node first', async (t) => {
  const host = await startHost({ nodes: 2 });
  t.teardown(() => host.stop());
  await host.createPod('pinned-1', { ...app, nodeName: 'sim-node-1' });
  await host.createPod('pinned-2', { ...app, nodeName: 'sim-node-1' });
  await host.waitFor('pinned-2', isReady);
  await host.createPod('x', app);
  await host.createPod('y', app);
  const bound = await Promise.all(['x', 'y'].map((n) => host.waitFor(n, (p) => !!p && !!nodeOf(p))));
  t.same(bound.map(nodeOf), ['sim-node-2', 'sim-node-2']);
});

t.test('when a pod names another scheduler, then the default scheduler leaves it alone', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('other', { ...app, schedulerName: 'my-scheduler' });
  await host.createPod('mine', app);
  await host.waitFor('mine', isReady);
  t.notOk(nodeOf(host.api.get(pods, 'default', 'other')));
});

t.test('when there are no nodes, then the pod is Unschedulable with the real message', async (t) => {
  const api = createApi();
  const scheduler = startScheduler(api);
  t.teardown(() => scheduler.stop());
  await api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lonely' }, spec: app }, write);
  await new Promise<void>((resolve) => {
    const w = api.watch(pods, 'default', {}, (ev) => {
      if (condition(ev.object, 'PodScheduled')?.reason === 'Unschedulable') {
        queueMicrotask(() => w.stop());
        resolve();
      }
    });
  });
  t.equal(condition(api.get(pods, 'default', 'lonely'), 'PodScheduled')?.message, 'no nodes available to schedule pods');
});

t.test('when reasons are counted, then the message lists them sorted, as the scheduler framework prints them', async (t) => {
  t.equal(
    unschedulableMessage(3, [[unresolvable('node(s) were unschedulable')], [unresolvable("node(s) didn't match Pod's node affinity/selector")], [unresolvable("node(s) didn't match Pod's node affinity/selector")]]),
    "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..",
  );
});
