// Into the pod, end to end, part 1: `kubectl logs` and client-node's Log against the virtual cluster of the
// full local stack (virtual API server -> node proxy -> host API -> simulated kubelet), and the node proxy's
// refusals as the virtual API server's kubelet client certificate meets them.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { Writable } from 'node:stream';
import { KubeConfig, Log, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

const skip = !hasKubectl && 'kubectl is not installed';
let stack: TestStack;
const kubectl = kubectlIn('into-the-pod-logs');
t.before(async () => {
  stack = await startTestStack();
  writeFileSync(kubectl.kubeconfig, stack.virtual.kubeconfig);
});
t.teardown(() => stack?.stop());

const pod = (name: string, image = 'nginx:1.27', extra: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 80 }] }], ...extra },
});

async function running(name: string): Promise<V1Pod> {
  return eventually(`${name} Running and Ready in the virtual cluster`, async () => {
    const p = await stack.virtualCore.readNamespacedPod({ namespace: 'default', name });
    return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready) && p;
  }, 30_000);
}

const START_WEB = 'sim-container: starting "app" (image nginx:1.27, restart 0)\nsim-container: listening on port 80/TCP\nsim-container: ready\n';

t.test('when kubectl logs reads a virtual pod, then it prints the host container\'s log, tailed on request', { skip }, async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('web') });
  await running('web');
  const plain = await kubectl.run('logs', 'web');
  t.equal(plain.code, 0, plain.stderr);
  t.equal(plain.stdout, START_WEB);
  const tail = await kubectl.run('logs', 'web', '--tail=1');
  t.equal(tail.stdout, 'sim-container: ready\n');
  const stamped = await kubectl.run('logs', 'pod/web', '-c', 'app', '--timestamps', '--limit-bytes=40');
  t.match(stamped.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z sim-con/);
  t.equal(stamped.stdout.length, 40);
});

t.test('when client-node\'s Log reads a virtual pod, then it gets the same lines', async (t) => {
  await running('web');
  const kc = new KubeConfig();
  kc.loadFromString(stack.virtual.kubeconfig);
  let text = '';
  const sink = new Writable({ write(chunk, _e, cb) { text += chunk; cb(); } });
  const done = new Promise<void>((resolve) => sink.on('finish', resolve));
  await new Log(kc).log('default', 'web', 'app', sink, { tailLines: 2 });
  await done;
  t.equal(text, 'sim-container: listening on port 80/TCP\nsim-container: ready\n');
});

t.test('when kubectl logs -f follows a virtual pod, then it ends once the pod is deleted', { skip }, async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('follow') });
  await running('follow');
  const child = spawn('kubectl', [...kubectl.baseArgs, 'logs', '-f', 'follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await eventually('the follow to print the start-up lines', async () => out.includes('sim-container: ready'));
  const deleted = await kubectl.run('delete', 'pod', 'follow', '--wait=false');
  t.equal(deleted.code, 0, deleted.stderr);
  t.equal(await exited, 0, 'kubectl logs -f returns when the host container stops');
  t.match(out, /sim-container: ready\nsim-container: received SIGTERM, shutting down\n$/);
});

t.test('when a container crashed and restarted, then --previous shows the crashed run; without one, the error names the virtual pod', { skip }, async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: pod('crasher', 'sim-crash') });
  await eventually('a restart reported in the virtual cluster', async () => {
    const p = await stack.virtualCore.readNamespacedPod({ namespace: 'default', name: 'crasher' });
    const s = p.status?.containerStatuses?.[0];
    return (s?.restartCount ?? 0) >= 1 && !!s?.lastState?.terminated;
  }, 30_000);
  const previous = await kubectl.run('logs', 'crasher', '--previous');
  t.equal(previous.code, 0, previous.stderr);
  t.match(previous.stdout, /sim-container: fatal: simulated crash \(image sim-crash\), exiting with status 1\n$/);
  const none = await kubectl.run('logs', 'web', '--previous');
  t.equal(none.code, 1);
  t.equal(none.stderr.trim(), 'Error from server (BadRequest): previous terminated container "app" in pod "web" not found');
});

/** The node proxy as the virtual API server calls it: with the kubelet client certificate npm start made. */
function nodeProxyGet(path: string, withCert = true): Promise<{ code: number; body: string }> {
  const files = stack.nodeProxy.files;
  const url = new URL(path, stack.nodeProxy.url);
  return new Promise((resolve, reject) => {
    https.get({
      host: url.hostname, port: url.port, path: url.pathname + url.search, ca: readFileSync(files.caCert), agent: false,
      ...(withCert ? { cert: readFileSync(files.clientCert), key: readFileSync(files.clientKey) } : {}),
    }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

t.test('when the node proxy is asked for another cluster\'s pod, an unmanaged host pod or an unknown container, then it answers 403', async (t) => {
  await running('web');
  const ns = stack.endpoints.hostNamespace;
  // Pods podferry did not make, in the host namespace: one claiming another virtual cluster, one unmarked
  // under the very name `imposter` would translate to.
  const foreign = { metadata: { name: 'web-x-default-x-other', namespace: ns, labels: { 'vcluster.loft.sh/managed-by': 'other' }, annotations: { 'vcluster.loft.sh/object-name': 'web', 'vcluster.loft.sh/object-namespace': 'default' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  const unmanaged = { metadata: { name: `imposter-x-default-x-${stack.endpoints.cluster}`, namespace: ns }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  for (const body of [foreign, unmanaged]) await stack.hostCore.createNamespacedPod({ namespace: ns, body });

  t.equal((await nodeProxyGet('/containerLogs/default/web/app', false)).code, 401, 'no client certificate');
  for (const [path, what] of [['/containerLogs/default/imposter/app', 'unmanaged host pod'], ['/containerLogs/default/web/debugger-x', 'unknown container'], ['/containerLogs/kube-system/web/app', 'no such virtual pod']]) {
    const res = await nodeProxyGet(path);
    t.equal(res.code, 403, what);
    t.match(JSON.parse(res.body), { kind: 'Status', reason: 'Forbidden' }, what);
  }
  const list = JSON.parse((await nodeProxyGet('/pods')).body) as { items: V1Pod[] };
  const names = list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  t.ok(names.includes('default/web'));
  t.notOk(names.some((n) => n.includes('imposter') || n.includes('-x-')), `only this cluster's pods, by virtual name: ${names}`);

  const viaKubectl = await kubectl.run('logs', 'web', '-c', 'nope');
  t.equal(viaKubectl.code, 1);
  t.match(viaKubectl.stderr, /container nope is not valid for pod web/, 'the virtual API server refuses an unknown container before the node proxy is asked');
});
