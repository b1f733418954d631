import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodStory } from '../../functions/worker/processors/job-story.js';

const pod = (spec: V1Pod['spec'] | undefined, status: V1Pod['status'], deleting = false): V1Pod => ({
  metadata: { name: 'web-x-default-x-demo', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { containers: [{ name: 'app' }], ...spec },
  status,
});
const ready = [{ type: 'Ready', status: 'True' }];

t.test('when a host pod is at each step of its life, then the story says where it is and how far along', async (t) => {
  const table: Array<[string, V1Pod | undefined, number, RegExp]> = [
    ['absent', undefined, 0, /^host pod absent$/],
    ['unscheduled', pod(undefined, { phase: 'Pending' }), 20, /^host pod waiting to be scheduled$/],
    ['unschedulable', pod(undefined, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: '0/3 nodes are available: 3 Too many pods.' }] }), 20, /scheduled: 0\/3 nodes are available/],
    ['scheduled', pod({ containers: [{ name: 'app' }], nodeName: 'node-1' }, { phase: 'Pending', containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }), 40, /^host pod scheduled on node node-1, containers starting$/],
    ['pull failing', pod({ containers: [{ name: 'app' }], nodeName: 'node-1' }, { phase: 'Pending', containerStatuses: [{ name: 'app', image: 'sim-pull-fail', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "sim-pull-fail"' } } }] }), 40, /container app waiting: ImagePullBackOff \(Back-off pulling image "sim-pull-fail"\)$/],
    ['crash looping', pod({ containers: [{ name: 'app' }], nodeName: 'node-2' }, { phase: 'Running', containerStatuses: [{ name: 'app', image: 'sim-crash', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] }), 70, /^host pod Running on node node-2, not Ready yet; container app waiting: CrashLoopBackOff \(back-off 40s restarting failed container\), last exit code 1 \(Error\)$/],
    ['ready', pod({ containers: [{ name: 'app' }], nodeName: 'node-1' }, { phase: 'Running', podIP: '10.0.1.5', conditions: ready }), 100, /^host pod Ready on node node-1 \(pod IP 10\.0\.1\.5\)$/],
    ['succeeded', pod({ containers: [{ name: 'app' }], nodeName: 'node-1' }, { phase: 'Succeeded' }), 100, /^host pod Succeeded on node node-1$/],
    ['failed', pod({ containers: [{ name: 'app' }], nodeName: 'node-1' }, { phase: 'Failed', containerStatuses: [{ name: 'app', image: 'sim-exit-1', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }), 100, /^host pod Failed; container app exited with code 1 \(Error\)$/],
    ['evicted', pod({ containers: [{ name: 'app' }], nodeName: 'node-1' }, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }), 100, /^host pod Failed \(Evicted: The node was low on resource: memory\.\)$/],
    ['terminating', pod({ containers: [{ name: 'app' }], nodeName: 'node-3' }, { phase: 'Running', conditions: ready }, true), 100, /^host pod terminating on node node-3$/],
  ];
  for (const [what, hostPod, progress, line] of table) {
    const story = hostPodStory(hostPod);
    t.equal(story.progress, progress, `${what}: progress`);
    t.match(story.line, line, `${what}: line`);
  }
});
