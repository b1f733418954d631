// Real kubectl against a host-mode simulator, where the kubelets make pods Ready: the workload commands users
// type (create deployment, rollout status, set image, rollout undo, scale, get, apply, create job, wait,
// delete) end the way they end on a real cluster. Skips without kubectl.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';
import { eventually } from './workload-harness.js';

if (!hasKubectl) t.plan(0, 'no kubectl on PATH');

let cluster: StartedCluster;
const { dir, kubeconfig, run: kubectl } = kubectlIn('workloads-kubectl');

let manifests = 0;
/** kubectl apply -f of a manifest written to the test's own directory. */
async function apply(yaml: string) {
  const file = join(dir, `manifest-${manifests++}.yaml`);
  await writeFile(file, yaml);
  return kubectl('apply', '-f', file);
}

if (hasKubectl) {
  t.before(async () => {
    cluster = await startCluster({ mode: 'host', nodes: 2, kubelet: { startupDelayMs: 20 } });
    await cluster.writeKubeconfig(kubeconfig);
  });
  t.teardown(() => cluster.close());

  t.test('when a Deployment is created, rolled out, updated, undone and scaled with kubectl, then every step ends as on a real cluster', async (t) => {
    const created = await kubectl('create', 'deployment', 'web', '--image=nginx', '--replicas=3');
    t.equal(created.code, 0, created.stderr);
    t.equal(created.stdout.trim(), 'deployment.apps/web created');
    const rolled = await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    t.equal(rolled.code, 0, rolled.stderr);
    t.match(rolled.stdout, /deployment "web" successfully rolled out\n$/);

    const table = await kubectl('get', 'deploy,rs', '-o', 'wide');
    t.equal(table.code, 0, table.stderr);
    t.match(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\ndeployment\.apps\/web\s+3\/3\s+3\s+3\s+\S+\s+nginx\s+nginx\s+app=web\n/);
    t.match(table.stdout, /\nNAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nreplicaset\.apps\/web-\w+\s+3\s+3\s+3\s+\S+\s+nginx\s+nginx\s+app=web,pod-template-hash=\w+\n/);

    const set = await kubectl('set', 'image', 'deployment/web', 'nginx=nginx:1.28');
    t.equal(set.code, 0, set.stderr);
    t.equal(set.stdout.trim(), 'deployment.apps/web image updated');
    t.equal((await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s')).code, 0);
    const images = await kubectl('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}');
    t.same(images.stdout.split(' ').sort(), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);

    const undo = await kubectl('rollout', 'undo', 'deployment/web');
    t.equal(undo.code, 0, undo.stderr);
    t.equal(undo.stdout.trim(), 'deployment.apps/web rolled back');
    t.equal((await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s')).code, 0);
    const history = await kubectl('rollout', 'history', 'deployment/web');
    t.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/, 'the undone revision 1 came back as 3');
    t.equal((await kubectl('get', 'rs', '-o', 'name')).stdout.trim().split('\n').length, 2, 'undo reused the first ReplicaSet');

    const scaled = await kubectl('scale', 'deployment/web', '--replicas=0');
    t.equal(scaled.code, 0, scaled.stderr);
    t.equal(scaled.stdout.trim(), 'deployment.apps/web scaled');
    await eventually('no pods left', async () => (await kubectl('get', 'pods', '-l', 'app=web', '-o', 'name')).stdout.trim() === '', 60_000);
    t.equal((await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s')).code, 0);
    const zero = await kubectl('get', 'deploy', 'web');
    t.match(zero.stdout, /\nweb\s+0\/0\s+0\s+0\s+/);

    const deleted = await kubectl('delete', 'deployment', 'web', '--timeout=60s');
    t.equal(deleted.code, 0, deleted.stderr);
    await eventually('its ReplicaSets collected', async () => (await kubectl('get', 'rs', '-o', 'name')).stdout.trim() === '', 60_000);
  });

  t.test('when kubectl applies workloads, then unknown fields are refused by the server and valid ones run to the end', async (t) => {
    const bad = await apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: typo}
spec:
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec:
      containers: [{name: c, image: nginx, imagePullPolicyy: Always}]
`);
    t.equal(bad.code, 1);
    t.match(bad.stderr, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
    const mismatch = await apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: mismatch}
spec:
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: two}}
    spec: {containers: [{name: c, image: nginx}]}
`);
    t.equal(mismatch.code, 1);
    t.match(mismatch.stderr, 'The Deployment "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"two"}: `selector` does not match template `labels`');

    const good = await apply(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: w, image: sim-exit-0}]
`);
    t.equal(good.code, 0, good.stderr);
    t.equal(good.stdout.trim(), 'statefulset.apps/db created\njob.batch/once created');
    const sts = await kubectl('rollout', 'status', 'statefulset/db', '--timeout=60s');
    t.equal(sts.code, 0, sts.stderr);
    t.match(sts.stdout, /partitioned roll out complete: 2 new pods have been updated...\n$|statefulset rolling update complete 2 pods at revision db-\w+...\n$/);
    t.same((await kubectl('get', 'pods', '-l', 'app=db', '-o', 'name')).stdout.trim().split('\n'), ['pod/db-0', 'pod/db-1']);
    const waited = await kubectl('wait', '--for=condition=complete', 'job/once', '--timeout=60s');
    t.equal(waited.code, 0, waited.stderr);

    const created = await kubectl('create', 'job', 'pi', '--image=sim-exit-0');
    t.equal(created.code, 0, created.stderr);
    t.equal((await kubectl('wait', '--for=condition=complete', 'job/pi', '--timeout=60s')).code, 0);

    const all = await kubectl('get', 'sts,job');
    t.match(all.stdout, /^NAME\s+READY\s+AGE\nstatefulset\.apps\/db\s+2\/2\s+\S+\n/);
    t.match(all.stdout, /\nNAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\njob\.batch\/once\s+Complete\s+1\/1\s+\S+\s+\S+\njob\.batch\/pi\s+Complete\s+1\/1\s+\S+\s+\S+\n/);
    const everything = await kubectl('get', 'all', '-o', 'name');
    for (const name of ['statefulset.apps/db', 'job.batch/once', 'pod/db-0']) t.match(everything.stdout, name, `get all lists ${name}`);
  });
}
