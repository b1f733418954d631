// The official Python client (Debian's python3-kubernetes) against a virtual simulator: CRUD, a strategic
// merge patch, a Service with its address, a TokenRequest, and a watch, which the client sends as
// watch=True. Skips, saying so, when no python3 with the kubernetes module is on the machine.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { kubectlIn } from '../helpers/kubectl.js';

// Debian's module is installed for the system python; a pyenv shim on the PATH may not see it.
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import kubernetes'], { stdio: 'ignore' }).status === 0);
const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'python_client.py');

if (!python) t.plan(0, 'no python3 with the kubernetes module (apt-get install python3-kubernetes)');
else {
  let cluster: StartedCluster;
  t.before(async () => {
    cluster = await startCluster({ mode: 'virtual' });
  });
  t.teardown(() => cluster.close());

  t.test('when the Python client creates, patches, watches and asks for a token, then it sees what a cluster would show', async (t) => {
    const { kubeconfig } = kubectlIn('python-client');
    await cluster.writeKubeconfig(kubeconfig);
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(python, [script, kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    t.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
    t.same(out.configmap, { a: '1', b: '2' });
    t.match(out.clusterIP, /^10\.43\.\d+\.\d+$/);
    t.equal(out.tokenParts, 3);
    t.same(out.watch, [['ADDED', 'watched', 'Pending']], 'the watch delivered the pod created after the list');
    t.equal(out.pod, 'default');
  });
}
