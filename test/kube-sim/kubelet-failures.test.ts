import t from 'tap';
import { configMaps, pods, secrets } from '../../infra/kube-sim/resources.js';
import { condition, container, isReady, startHost, statusOf, write } from './kubelet-harness.js';

const backOff = { backOffBaseMs: 60, backOffMaxMs: 240, runMs: 60 };

t.test('when a configmap volume is missing, then the pod stays ContainerCreating with FailedMount until it is created', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('cm', {
    containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 'conf', mountPath: '/etc/app' }] }],
    volumes: [{ name: 'conf', configMap: { name: 'app-config' } }],
  });
  await host.waitFor('cm', (p) => !!statusOf(p).hostIP);
  await new Promise((r) => setTimeout(r, 150));
  const waiting = await host.waitFor('cm', () => true);
  t.match(container(waiting), { state: { waiting: { reason: 'ContainerCreating' } } });
  t.equal(statusOf(waiting).phase, 'Pending');
  t.match(condition(waiting, 'PodReadyToStartContainers'), { status: 'False' });
  t.match(host.podEvents('cm').find((e) => e.reason === 'FailedMount'), {
    type: 'Warning', message: 'MountVolume.SetUp failed for volume "conf" : configmap "app-config" not found', source: { component: 'kubelet', host: 'sim-node-1' },
  });
  await host.api.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { a: '1' } }, write);
  const ready = await host.waitFor('cm', isReady);
  t.equal(statusOf(ready).phase, 'Running');
});

t.test('when an optional configmap volume is missing, then the pod starts anyway', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('opt', {
    containers: [{ name: 'app', image: 'nginx:1.27' }],
    volumes: [{ name: 'conf', configMap: { name: 'nope', optional: true } }],
  });
  await host.waitFor('opt', isReady);
  t.notOk(host.podEvents('opt').some((e) => e.reason === 'FailedMount'));
});

t.test('when an env secret is missing, then the container waits CreateContainerConfigError until the secret appears', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('env', {
    containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }] }],
  });
  const stuck = await host.waitFor('env', (p) => container(p)?.state.waiting?.reason === 'CreateContainerConfigError');
  t.equal(container(stuck)?.state.waiting.message, 'secret "creds" not found');
  t.match(host.podEvents('env').find((e) => e.reason === 'Failed'), { type: 'Warning', message: 'Error: secret "creds" not found' });
  await host.api.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { other: 'eA==' } }, write);
  const wrongKey = await host.waitFor('env', (p) => /couldn't find key/.test(container(p)?.state.waiting?.message ?? ''));
  t.equal(container(wrongKey)?.state.waiting.message, "couldn't find key token in Secret default/creds");
  await host.api.update(secrets, 'default', 'creds', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { token: 'eA==' } }, write);
  await host.waitFor('env', isReady);
});

t.test('when the image cannot be pulled, then the container cycles ErrImagePull and ImagePullBackOff with Failed and BackOff events', async (t) => {
  const host = await startHost({ nodes: 1, kubelet: backOff });
  t.teardown(() => host.stop());
  await host.createPod('pull', { containers: [{ name: 'app', image: 'registry.example/team/sim-pull-fail:1.0' }] });
  const err = await host.waitFor('pull', (p) => container(p)?.state.waiting?.reason === 'ErrImagePull');
  t.match(container(err)?.state.waiting.message, /^rpc error: code = NotFound desc = failed to pull and unpack image "registry\.example\/team\/sim-pull-fail:1\.0"/);
  const backedOff = await host.waitFor('pull', (p) => container(p)?.state.waiting?.reason === 'ImagePullBackOff');
  t.equal(container(backedOff)?.state.waiting.message, 'Back-off pulling image "registry.example/team/sim-pull-fail:1.0"');
  await host.waitFor('pull', (p) => container(p)?.state.waiting?.reason === 'ErrImagePull');
  t.equal(statusOf(backedOff).phase, 'Pending');
  const reasons = host.podEvents('pull').map((e) => `${e.reason}:${e.message.split(':')[0]}`);
  t.ok(reasons.filter((r) => r.startsWith('Pulling')).length >= 2, 'the pull is retried');
  t.ok(reasons.includes('Failed:Failed to pull image "registry.example/team/sim-pull-fail'));
  t.ok(reasons.includes('Failed:Error'));
  t.ok(reasons.includes('BackOff:Back-off pulling image "registry.example/team/sim-pull-fail'));
});

t.test('when a container crashes under restartPolicy Always, then it crash loops with restartCount growing and lastState kept', async (t) => {
  const host = await startHost({ nodes: 1, kubelet: backOff });
  t.teardown(() => host.stop());
  await host.createPod('crash', { containers: [{ name: 'app', image: 'sim-crash' }] });
  const loop = await host.waitFor('crash', (p) => container(p)?.state.waiting?.reason === 'CrashLoopBackOff');
  const c = container(loop)!;
  t.ok(c.restartCount >= 1);
  t.match(c.lastState, { terminated: { exitCode: 1, reason: 'Error', containerID: /^containerd:\/\// } });
  t.match(c.state.waiting.message, /^back-off \d+ms restarting failed container=app pod=crash_default\(/);
  t.equal(statusOf(loop).phase, 'Running');
  t.match(condition(loop, 'Ready'), { status: 'False', reason: 'ContainersNotReady' });
  const later = await host.waitFor('crash', (p) => (container(p)?.restartCount ?? 0) >= 3, 5000);
  t.ok(container(later)!.restartCount >= 3, 'restarts keep coming, seconds apart at most');
  const backOffs = host.podEvents('crash').filter((e) => e.reason === 'BackOff');
  t.ok(backOffs.length >= 1);
  t.match(backOffs[0], { type: 'Warning', message: /^Back-off restarting failed container app in pod crash_default\(/ });
  t.ok(host.podEvents('crash').filter((e) => e.reason === 'Pulling').length >= 2, 'an untagged image (pull policy Always) is pulled again on each restart');
});

t.test('when a container exits 0 under restartPolicy Never or OnFailure, then the pod Succeeds with Completed', async (t) => {
  const host = await startHost({ nodes: 1, kubelet: backOff });
  t.teardown(() => host.stop());
  for (const policy of ['Never', 'OnFailure']) {
    const name = `ok-${policy.toLowerCase()}`;
    await host.createPod(name, { restartPolicy: policy, containers: [{ name: 'app', image: 'sim-exit-0' }] });
    const done = await host.waitFor(name, (p) => statusOf(p).phase === 'Succeeded');
    t.match(container(done), { state: { terminated: { exitCode: 0, reason: 'Completed' } }, ready: false, restartCount: 0 }, policy);
    t.match(condition(done, 'Ready'), { status: 'False', reason: 'PodCompleted' });
    t.match(condition(done, 'PodReadyToStartContainers'), { status: 'False' }, 'the sandbox is gone');
  }
});

t.test('when a container exits 1 under restartPolicy Never, then the pod Fails with Error', async (t) => {
  const host = await startHost({ nodes: 1, kubelet: backOff });
  t.teardown(() => host.stop());
  await host.createPod('bad', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'sim-exit-1' }] });
  const failed = await host.waitFor('bad', (p) => statusOf(p).phase === 'Failed');
  t.match(container(failed), { state: { terminated: { exitCode: 1, reason: 'Error' } }, restartCount: 0 });
  t.match(condition(failed, 'Ready'), { status: 'False', reason: 'PodFailed' });
});

t.test('when a container exits 1 under restartPolicy OnFailure, then it is restarted', async (t) => {
  const host = await startHost({ nodes: 1, kubelet: backOff });
  t.teardown(() => host.stop());
  await host.createPod('retry', { restartPolicy: 'OnFailure', containers: [{ name: 'app', image: 'sim-exit-1' }] });
  const restarted = await host.waitFor('retry', (p) => (container(p)?.restartCount ?? 0) >= 1);
  t.match(container(restarted)?.lastState, { terminated: { exitCode: 1 } });
  t.not(statusOf(restarted).phase, 'Failed');
});

t.test('when a container exits 0 under restartPolicy Always, then it is restarted like any exit', async (t) => {
  const host = await startHost({ nodes: 1, kubelet: backOff });
  t.teardown(() => host.stop());
  await host.createPod('always', { containers: [{ name: 'app', image: 'sim-exit-0:v2' }] });
  const restarted = await host.waitFor('always', (p) => (container(p)?.restartCount ?? 0) >= 1 && !!container(p)?.state.running);
  t.match(container(restarted)?.lastState, { terminated: { exitCode: 0, reason: 'Completed' } });
  t.equal(statusOf(restarted).phase, 'Running');
  t.ok(host.podEvents('always').some((e) => e.reason === 'Pulled' && e.message === 'Container image "sim-exit-0:v2" already present on machine'),
    'an IfNotPresent image is not pulled again on restart');
});

t.test('when a pod stuck on a missing volume is deleted, then the kubelet still finishes it and it goes away', async (t) => {
  const host = await startHost({ nodes: 1 });
  t.teardown(() => host.stop());
  await host.createPod('stuck', {
    containers: [{ name: 'app', image: 'nginx:1.27' }],
    volumes: [{ name: 'conf', secret: { secretName: 'never' } }],
  });
  await host.waitFor('stuck', (p) => !!statusOf(p).hostIP);
  let last: ReturnType<typeof container>;
  const gone = host.waitFor('stuck', (p, ev) => {
    if (p) last = container(p);
    return ev.type === 'DELETED';
  });
  await host.api.delete(pods, 'default', 'stuck', {}, write);
  await gone;
  t.match(last, { state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } } });
});
