// kubectl debug against a host simulator: the ephemeral container is added through pods/ephemeralcontainers,
// the simulated kubelet starts it and reports it in ephemeralContainerStatuses, kubectl attaches to its shell,
// and the container ends with the shell, never restarted.
import { spawn } from 'node:child_process';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import t from 'tap';
import { hasKubectl } from '../helpers/kubectl.js';
import { simplePod, startStreamingHost, type StreamingHost } from './streaming-harness.js';

let host: StreamingHost;
t.before(async () => {
  host = await startStreamingHost('streaming-debug');
  await host.runPod(simplePod('web', { env: [{ name: 'APP', value: 'web' }] }));
});
t.teardown(() => host.close());

function kubectlWithInput(input: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', [...host.kubectl.baseArgs, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

t.test('when kubectl debug -i adds a busybox container, then it attaches to its shell and the status reports it', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const r = await kubectlWithInput('echo debugging $HOSTNAME; cat /etc/hostname\nexit 3\n', 'debug', '-i', 'web', '--image=busybox:1.36', '--container=dbg');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'debugging web\nweb\n');
  t.match(r.stderr, /If you don't see a command prompt, try pressing enter\./);
  const pod = await host.waitForPod('web', (p) => !!p.status?.ephemeralContainerStatuses?.[0]?.state?.terminated);
  t.match(pod.spec?.ephemeralContainers, [{ name: 'dbg', image: 'busybox:1.36', stdin: true, imagePullPolicy: 'IfNotPresent' }]);
  t.match(pod.status?.ephemeralContainerStatuses, [{ name: 'dbg', ready: false, restartCount: 0, image: 'busybox:1.36', state: { terminated: { exitCode: 3, reason: 'Error' } } }]);
  t.equal(pod.status?.phase, 'Running', 'the pod runs on; an ephemeral container is outside its phase');
  t.equal(pod.status?.containerStatuses?.[0]?.ready, true);
  const logs = await host.kubectl.run('logs', 'web', '-c', 'dbg');
  t.equal(logs.stdout, 'debugging web\nweb\n');
  const events = await host.kubectl.run('get', 'events', '--field-selector', 'involvedObject.fieldPath=spec.ephemeralContainers{dbg}', '-o', 'jsonpath={.items[*].reason}');
  t.match(events.stdout, /Pulling Pulled Created Started/);
});

t.test('when an ephemeral container is added through the API, then the kubelet runs it and keeps it terminated once it exits', async (t) => {
  await host.core.patchNamespacedPodEphemeralcontainers({
    namespace: 'default', name: 'web',
    body: { spec: { ephemeralContainers: [{ name: 'quick', image: 'sim-exit-0' }, { name: 'long', image: 'nginx:1.27' }] } },
  }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
  const running = await host.waitForPod('web', (p) => !!p.status?.ephemeralContainerStatuses?.find((s) => s.name === 'long')?.state?.running);
  t.ok(running.status?.ephemeralContainerStatuses?.find((s) => s.name === 'long')?.containerID, 'started with a container id');
  const done = await host.waitForPod('web', (p) => !!p.status?.ephemeralContainerStatuses?.find((s) => s.name === 'quick')?.state?.terminated);
  t.match(done.status?.ephemeralContainerStatuses?.find((s) => s.name === 'quick'), { restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
  if (hasKubectl) {
    const exec = await host.kubectl.run('exec', 'web', '-c', 'long', '--', 'printenv', 'HOSTNAME');
    t.equal(exec.stdout, 'web\n', 'kubectl exec reaches a running ephemeral container');
  }
  // Still not restarted a while later: the kubelet never restarts ephemeral containers.
  await new Promise((r) => setTimeout(r, 300));
  const later = await host.core.readNamespacedPod({ namespace: 'default', name: 'web' });
  t.equal(later.status?.ephemeralContainerStatuses?.find((s) => s.name === 'quick')?.restartCount, 0);
});
