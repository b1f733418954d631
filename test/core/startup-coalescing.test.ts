import t from 'tap';
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { holdsStartupReport, isStartingUp, startupReportDeferredUntil } from '../../functions/_shared/core/startup-coalescing.js';

const waiting = (reason?: string, extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus =>
  ({ name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: reason ? { reason } : {} }, ...extra });
const scheduled: V1PodCondition = { type: 'PodScheduled', status: 'True' };
const pod = (status: V1Pod['status'], metadata: V1Pod['metadata'] = {}): V1Pod => ({ metadata: { name: 'web-x-default-vc', ...metadata }, status });

t.test('when a host pod is on its way up with nothing to tell, then it is starting up; trouble, progress or an end is news', async (t) => {
  const rows: Array<[what: string, pod: V1Pod, starting: boolean]> = [
    ['just created: no status yet', pod(undefined), true],
    ['not yet looked at by the scheduler', pod({ phase: 'Pending' }), true],
    ['scheduled, no container status yet', pod({ phase: 'Pending', conditions: [scheduled] }), true],
    ['containers being created', pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [waiting('ContainerCreating')] }), true],
    ['init containers pending, app containers PodInitializing', pod({ phase: 'Pending', conditions: [scheduled], initContainerStatuses: [waiting('PodInitializing')], containerStatuses: [waiting('PodInitializing')] }), true],
    ['a waiting state without a reason', pod({ phase: 'Pending', containerStatuses: [waiting()] }), true],
    ['unschedulable: the user must see why', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }), false],
    ['image cannot be pulled', pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [waiting('ErrImagePull')] }), false],
    ['image pull backing off', pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [waiting('ImagePullBackOff')] }), false],
    ['a config error', pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [waiting('CreateContainerConfigError')] }), false],
    ['an init container runs: Init:0/1 is progress', pod({ phase: 'Pending', initContainerStatuses: [{ ...waiting(), state: { running: {} } }] }), false],
    ['an init container ended', pod({ phase: 'Pending', initContainerStatuses: [{ ...waiting(), state: { terminated: { exitCode: 0 } } }] }), false],
    ['restarted before', pod({ phase: 'Pending', containerStatuses: [waiting('ContainerCreating', { restartCount: 1 })] }), false],
    ['a previous run ended', pod({ phase: 'Pending', containerStatuses: [waiting('ContainerCreating', { lastState: { terminated: { exitCode: 1 } } })] }), false],
    ['running', pod({ phase: 'Running', conditions: [scheduled], containerStatuses: [{ ...waiting(), state: { running: {} } }] }), false],
    ['failed', pod({ phase: 'Failed' }), false],
    ['being deleted', pod({ phase: 'Pending' }, { deletionTimestamp: new Date('2026-12-02T18:00:00Z') }), false],
  ];
  for (const [what, p, starting] of rows) t.equal(isStartingUp(p), starting, what);
});

t.test('when a look finds a pod starting up, then it waits until the window from its tracking ends, and never when coalescing is off', async (t) => {
  const starting = pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [waiting('ContainerCreating')] });
  const running = pod({ phase: 'Running', containerStatuses: [{ ...waiting(), state: { running: {} } }] });
  const tracked = 1_000_000;
  const rows: Array<[what: string, hostPod: V1Pod | undefined, nowMs: number, windowMs: number, until: number | undefined]> = [
    ['first look, right after tracking began', starting, tracked + 10, 500, tracked + 500],
    ['woken by the next host change inside the window: the same end, never later', starting, tracked + 300, 500, tracked + 500],
    ['the window has ended: report what there is', starting, tracked + 500, 500, undefined],
    ['long after', starting, tracked + 60_000, 500, undefined],
    ['running: report at once', running, tracked + 10, 500, undefined],
    ['no host pod: nothing to hold', undefined, tracked + 10, 500, undefined],
    ['coalescing off', starting, tracked + 10, 0, undefined],
  ];
  for (const [what, hostPod, nowMs, windowMs, until] of rows) t.equal(startupReportDeferredUntil(hostPod, tracked, nowMs, windowMs), until, what);
});

t.test('when sync asks whether a report is held for the status look, then the same rule answers, without a window of its own', async (t) => {
  const starting = pod({ phase: 'Pending', containerStatuses: [waiting('ContainerCreating')] });
  t.equal(holdsStartupReport(starting, 1000), true, 'starting up, coalescing on');
  t.equal(holdsStartupReport(starting, 0), false, 'coalescing off');
  t.equal(holdsStartupReport(undefined, 1000), false, 'no host pod');
  t.equal(holdsStartupReport(pod({ phase: 'Pending', containerStatuses: [waiting('ErrImagePull')] }), 1000), false, 'trouble');
});
