// What real kubectl 1.32 hit against a host simulator and now works as on a real cluster: `create service`
// (a protobuf body), server-side apply over a pod that admission gave a token mount, the kubelet replacing a
// container whose image changed, image names the API or the kubelet refuses, the scheduler's resource
// accounting, boolean query parameters spelt the Python way, and the storage and network tables.
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';

if (!hasKubectl) t.plan(0, 'no kubectl on PATH');

type Obj = Record<string, any>;
let cluster: StartedCluster;
const k = kubectlIn('kubectl-fidelity');
const json = async (...args: string[]) => {
  const r = await k.run(...args, '-o', 'json');
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Obj;
};
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const applyFile = async (yaml: string, ...args: string[]) => {
  const { writeFileSync } = await import('node:fs');
  const file = `${k.dir}/manifest-${Math.random().toString(36).slice(2)}.yaml`;
  writeFileSync(file, yaml);
  return k.run('apply', '-f', file, ...args);
};
const podYaml = (name: string, image: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: app
    image: "${image}"
${extra}`;

if (hasKubectl) {
  t.before(async () => {
    cluster = await startCluster({ mode: 'host', nodes: 2, kubelet: { startupDelayMs: 20 } });
    await cluster.writeKubeconfig(k.kubeconfig);
  });
  t.teardown(() => cluster.close());

  t.test('when kubectl creates a ClusterIP service, then it is created with an address from the service range', async (t) => {
    const r = await k.run('create', 'service', 'clusterip', 'web', '--tcp=80:8080');
    t.equal(r.code, 0, r.stderr);
    const svc = await json('get', 'service', 'web');
    t.match(svc.spec, { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }] });
    t.match(svc.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    const table = await k.run('get', 'service', 'kubernetes');
    t.match(table.stdout, /kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/);
  });

  t.test('when a pod is applied server-side again with only a new image, then the apply succeeds and the kubelet restarts the container', async (t) => {
    const first = await applyFile(podYaml('ssa', 'nginx:1.27'), '--server-side');
    t.equal(first.code, 0, first.stderr);
    await until('the pod running', async () => (await json('get', 'pod', 'ssa')).status.phase === 'Running');
    const second = await applyFile(podYaml('ssa', 'nginx:1.28'), '--server-side');
    t.equal(second.code, 0, second.stderr);
    t.match(second.stdout, /pod\/ssa serverside-applied/);
    const pod = await json('get', 'pod', 'ssa');
    t.equal(pod.spec.containers[0].image, 'nginx:1.28');
    t.match(pod.spec.containers[0].volumeMounts, [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }], 'the admission-added token mount is kept');
    const restarted = await until('the container restarted on the new image', async () => {
      const p = await json('get', 'pod', 'ssa');
      const s = p.status.containerStatuses?.[0];
      return s?.image === 'nginx:1.28' && s.restartCount === 1 && s.state.running ? s : undefined;
    });
    t.match(restarted.lastState, { terminated: { reason: 'Completed', exitCode: 0 } });
    const events = await k.run('get', 'events', '--field-selector', 'involvedObject.name=ssa,reason=Killing', '-o', 'jsonpath={.items[*].message}');
    t.equal(events.stdout, 'Container app definition changed, will be restarted');
  });

  t.test('when an image name is invalid, then the API refuses surrounding blanks and the kubelet reports InvalidImageName', async (t) => {
    const blank = await applyFile(podYaml('blank', ' nginx'));
    t.not(blank.code, 0);
    t.match(blank.stderr, /spec\.containers\[0\]\.image: Invalid value: " nginx": must not have leading or trailing whitespace/);
    const bad = await applyFile(podYaml('upper', 'NGINX:::bad'));
    t.equal(bad.code, 0, bad.stderr);
    const waiting = await until('InvalidImageName', async () => (await json('get', 'pod', 'upper')).status.containerStatuses?.[0]?.state?.waiting);
    t.same(waiting, { reason: 'InvalidImageName', message: 'Failed to apply default image tag "NGINX:::bad": couldn\'t parse image name "NGINX:::bad": invalid reference format: repository name (library/NGINX) must be lowercase' });
    const table = await k.run('get', 'pod', 'upper');
    t.match(table.stdout, /upper\s+0\/1\s+InvalidImageName/);
  });

  t.test('when pods request more cpu than a node has left, then the scheduler keeps them Pending with the real message', async (t) => {
    const huge = await applyFile(podYaml('huge', 'nginx:1.27', '    resources: {requests: {cpu: "100"}}'));
    t.equal(huge.code, 0, huge.stderr);
    const message = await until('FailedScheduling', async () => (await json('get', 'pod', 'huge')).status.conditions?.find((c: Obj) => c.type === 'PodScheduled' && c.status === 'False')?.message);
    t.equal(message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..');
    // Each node has 8 cpu: two pods of 6 fill both, a third of 6 fits nowhere.
    for (const n of ['six-a', 'six-b', 'six-c']) await applyFile(podYaml(n, 'nginx:1.27', '    resources: {requests: {cpu: "6", memory: 1Gi}}'));
    const third = await until('one of three Pending', async () => {
      const all = await Promise.all(['six-a', 'six-b', 'six-c'].map((n) => json('get', 'pod', n)));
      const bound = all.filter((p) => p.spec.nodeName);
      const stuck = all.find((p) => p.status.conditions?.some((c: Obj) => c.type === 'PodScheduled' && c.status === 'False'));
      return bound.length === 2 && stuck ? { bound, stuck } : undefined;
    });
    t.not(third.bound[0].spec.nodeName, third.bound[1].spec.nodeName, 'the two fitting pods are on different nodes');
    t.match(third.stuck.status.conditions.find((c: Obj) => c.type === 'PodScheduled').message, /^0\/2 nodes are available: 2 Insufficient cpu\./);
  });

  t.test('when a boolean parameter is spelt True, then the server reads it as true (the Python client watches so)', async (t) => {
    const r = await k.run('get', '--raw', '/api/v1/namespaces/default/pods?watch=True&timeoutSeconds=1&allowWatchBookmarks=True');
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^\{"type":"ADDED"/);
  });

  t.test('when claims, volumes, classes and endpoints are listed, then kubectl prints their real columns', async (t) => {
    await applyFile(`apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`);
    await applyFile(podYaml('consumer', 'nginx:1.27', '    volumeMounts: [{name: d, mountPath: /d}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]'));
    await until('the claim bound', async () => (await json('get', 'pvc', 'data')).status.phase === 'Bound');
    const pvc = await k.run('get', 'pvc', 'data');
    t.match(pvc.stdout, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\n/);
    t.match(pvc.stdout, /\ndata\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+standard\s+<unset>\s+\d+s\n/);
    const pv = await k.run('get', 'pv');
    t.match(pv.stdout, /pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+Delete\s+Bound\s+default\/data\s+standard/);
    const sc = await k.run('get', 'storageclass');
    t.match(sc.stdout, /standard \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/);
    const nodes = await k.run('get', 'nodes', '-o', 'wide');
    t.match(nodes.stdout, /sim-node-1\s+Ready\s+<none>\s+\S+\s+v1\.32\.2\s+172\.18\.0\.2\s/, 'the nodes carry an InternalIP');
    await applyFile(`apiVersion: v1
kind: Service
metadata: {name: front}
spec: {selector: {app: front}, ports: [{port: 80}]}
`);
    const ep = await until('the Endpoints', async () => {
      const r = await k.run('get', 'endpoints', 'front');
      return r.code === 0 ? r.stdout : undefined;
    });
    t.match(ep, /^NAME\s+ENDPOINTS\s+AGE\nfront\s+<none>\s+\d+s\n/);
  });
}
