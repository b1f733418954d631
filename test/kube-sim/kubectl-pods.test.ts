// Conformance through the real kubectl with its default flags (strict validation, Table output, watch-based
// delete wait) against startCluster. Skips when kubectl is not installed.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';

if (!hasKubectl) t.plan(0, 'no kubectl on PATH');

let cluster: StartedCluster;
const { dir, kubeconfig, baseArgs, run: kubectl } = kubectlIn('kubectl-pods');

const POD_YAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
`;


if (hasKubectl) {
  t.before(async () => {
    cluster = await startCluster({ mode: 'virtual' });
    await cluster.writeKubeconfig(kubeconfig);
    writeFileSync(join(dir, 'pod.yaml'), POD_YAML);
    writeFileSync(join(dir, 'bad.yaml'), POD_YAML.replace('image: nginx:1.27', 'image: nginx:1.27\n    imagePullPolicyX: Always'));
  });
  t.teardown(() => cluster.close());

  t.test('when kubectl creates a pod from a file, then it is created, and an unknown field is rejected by strict validation', async (t) => {
    const created = await kubectl('create', '-f', join(dir, 'pod.yaml'));
    t.equal(created.code, 0, created.stderr);
    t.equal(created.stdout.trim(), 'pod/web created');
    const bad = await kubectl('create', '-f', join(dir, 'bad.yaml'));
    t.equal(bad.code, 1);
    t.match(bad.stderr, `Error from server (BadRequest): error when creating "${join(dir, 'bad.yaml')}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolicyX"`);
  });

  t.test('when kubectl gets pods, then it prints the real table columns and every output format works', async (t) => {
    const table = await kubectl('get', 'pods');
    t.equal(table.code, 0, table.stderr);
    t.match(table.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    t.match(table.stdout, /\nweb\s+0\/1\s+Pending\s+0\s+\d+s\n/);
    const yaml = await kubectl('get', 'pod', 'web', '-o', 'yaml');
    t.match(yaml.stdout, /^apiVersion: v1\nkind: Pod\n/);
    t.match(yaml.stdout, /uid: [0-9a-f-]{36}/);
    const json = JSON.parse((await kubectl('get', 'pod', 'web', '-o', 'json')).stdout);
    t.match(json, { kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ image: 'nginx:1.27' }] } });
    const path = await kubectl('get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}');
    t.equal(path.stdout, 'web');
    const wide = await kubectl('get', 'pods', '-o', 'wide');
    t.match(wide.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/);
    const ns = await kubectl('get', 'ns');
    t.match(ns.stdout, /^NAME\s+STATUS\s+AGE\n/);
  });

  t.test('when kubectl labels, annotates and patches, then each change lands', async (t) => {
    t.equal((await kubectl('label', 'pod', 'web', 'tier=frontend')).stdout.trim(), 'pod/web labeled');
    t.equal((await kubectl('annotate', 'pod', 'web', 'owner=team-a')).stdout.trim(), 'pod/web annotated');
    t.equal((await kubectl('patch', 'pod', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"merge":"yes"}}}')).stdout.trim(), 'pod/web patched');
    t.equal((await kubectl('patch', 'pod', 'web', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]')).stdout.trim(), 'pod/web patched');
    const smp = await kubectl('patch', 'pod', 'web', '--type', 'strategic', '-p', '{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}');
    t.equal(smp.stdout.trim(), 'pod/web patched', smp.stderr);
    const json = JSON.parse((await kubectl('get', 'pod', 'web', '-o', 'json')).stdout);
    t.same(json.metadata.labels, { app: 'web', tier: 'frontend', merge: 'yes', json: 'yes' });
    t.equal(json.metadata.annotations.owner, 'team-a');
    t.equal(json.spec.containers.length, 1, 'strategic merge kept one container, merged by name');
    t.equal(json.spec.containers[0].image, 'nginx:1.28');
    const describe = await kubectl('describe', 'pod', 'web');
    t.equal(describe.code, 0, describe.stderr);
    t.match(describe.stdout, /^Name:\s+web\nNamespace:\s+default\n/);
    t.match(describe.stdout, /Labels:\s+app=web\n/);
    t.match(describe.stdout, /Image:\s+nginx:1\.28/);
    t.match(describe.stdout, /Status:\s+Pending/);
  });

  t.test('when kubectl get -w runs, then it prints a line for each change', async (t) => {
    const child = spawn('kubectl', [...baseArgs, 'get', 'pods', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const waitFor = (re: RegExp) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} in: ${out}`)), 5000);
      const check = () => {
        if (re.test(out)) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
      check();
    });
    await waitFor(/\nweb\s+0\/1\s+Pending/);
    writeFileSync(join(dir, 'pod2.yaml'), POD_YAML.replace('name: web', 'name: web-2'));
    t.equal((await kubectl('create', '-f', join(dir, 'pod2.yaml'))).code, 0);
    await waitFor(/\nweb-2\s+0\/1\s+Pending/);
    await kubectl('label', 'pod', 'web', 'watched=yes');
    await waitFor(/\nweb\s+0\/1\s+Pending[^\n]*\n(?:.*\n)*web\s+0\/1\s+Pending/);
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    await closed;
    t.pass('saw the created and the modified pod');
  });

  t.test('when kubectl deletes a pending pod, then it waits for it to be gone and get finds nothing', async (t) => {
    const deleted = await kubectl('delete', 'pod', 'web');
    t.equal(deleted.code, 0, deleted.stderr);
    t.equal(deleted.stdout.trim(), 'pod "web" deleted');
    const missing = await kubectl('get', 'pod', 'web');
    t.equal(missing.code, 1);
    t.match(missing.stderr, 'Error from server (NotFound): pods "web" not found');
    await kubectl('delete', 'pod', 'web-2');
    const none = await kubectl('get', 'pods');
    t.match(none.stderr, 'No resources found in default namespace.');
  });
}
