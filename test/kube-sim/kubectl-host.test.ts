// A host-mode cluster driven by kubectl and client-node: nodes registered by the simulated kubelets, a pod
// scheduled and run to Running, and a graceful delete that the kubelet completes. Skips without kubectl.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';

if (!hasKubectl) t.plan(0, 'no kubectl on PATH');

let cluster: StartedCluster;
let core: CoreV1Api;
const { kubeconfig, run: kubectl } = kubectlIn('kubectl-host');


if (hasKubectl) {
  t.before(async () => {
    cluster = await startCluster({ mode: 'host', nodes: 2, kubelet: { startupDelayMs: 20 } });
    await cluster.writeKubeconfig(kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
  });
  t.teardown(() => cluster.close());

  t.test('when a host cluster starts, then kubectl sees its Ready nodes', async (t) => {
    const nodes = await kubectl('get', 'nodes');
    t.equal(nodes.code, 0, nodes.stderr);
    t.match(nodes.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    t.equal(nodes.stdout.trim().split('\n').filter((l) => /\sReady\s/.test(l)).length, 2);
  });

  t.test('when a pod is created, then it is scheduled and runs, and kubectl wait and delete complete', async (t) => {
    const run = await kubectl('run', 'runner', '--image', 'nginx:1.27', '--restart', 'Never');
    t.equal(run.code, 0, run.stderr);
    const waited = await kubectl('wait', '--for=condition=Ready', 'pod/runner', '--timeout=10s');
    t.equal(waited.code, 0, waited.stderr);
    const pod = await core.readNamespacedPod({ namespace: 'default', name: 'runner' });
    t.equal(pod.status?.phase, 'Running');
    t.match(pod.spec?.nodeName, /\S/);
    t.match(pod.status?.podIP, /^\d+\.\d+\.\d+\.\d+$/);
    const table = await kubectl('get', 'pod', 'runner');
    t.match(table.stdout, /\nrunner\s+1\/1\s+Running\s+0\s+\d+s\n/);
    const deleted = await kubectl('delete', 'pod', 'runner', '--timeout=20s');
    t.equal(deleted.code, 0, deleted.stderr);
    t.equal(deleted.stdout.trim(), 'pod "runner" deleted');
    const gone = await core.readNamespacedPod({ namespace: 'default', name: 'runner' }).then(() => 'present', (err: { code?: number }) => err.code);
    t.equal(gone, 404);
  });
}
