// Into the pod, end to end, part 2: exec, cp, attach, port-forward and debug with the real kubectl, and
// client-node's Exec and PortForward, against the virtual cluster of the full local stack. Every stream goes
// virtual API server -> node proxy -> host API -> simulated container, and back.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Exec, KubeConfig, PortForward, type V1Pod, type V1Status } from '@kubernetes/client-node';
import t from 'tap';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

const skip = !hasKubectl && 'kubectl is not installed';
let stack: TestStack;
const kubectl = kubectlIn('into-the-pod-exec');
const kc = new KubeConfig();
const work = mkdtempSync(join(tmpdir(), 'into-the-pod-exec-'));

const POD: V1Pod = {
  metadata: { name: 'shell', namespace: 'default' },
  spec: {
    containers: [{
      name: 'app',
      image: 'nginx:1.27',
      ports: [{ containerPort: 80 }],
      env: [
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'greeting' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
      ],
      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
    }],
    volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
  },
};

t.before(async () => {
  stack = await startTestStack();
  writeFileSync(kubectl.kubeconfig, stack.virtual.kubeconfig);
  kc.loadFromString(stack.virtual.kubeconfig);
  await stack.virtualCore.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'app-config' }, data: { greeting: 'hello-from-a-configmap', 'settings.conf': 'mode=virtual\n' } } });
  await stack.virtualCore.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'app-secret' }, stringData: { password: 's3cret-from-a-secret' } } });
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: POD });
  await eventually('the pod Running and Ready in the virtual cluster', async () => {
    const p = await stack.virtualCore.readNamespacedPod({ namespace: 'default', name: 'shell' });
    return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready);
  }, 30_000);
});
t.teardown(() => stack?.stop());

t.test('when kubectl exec runs commands in a virtual pod, then env shows the ConfigMap and Secret values, cat a mounted file, and exit codes come back', { skip }, async (t) => {
  const env = await kubectl.run('exec', 'shell', '--', 'env');
  t.equal(env.code, 0, env.stderr);
  t.match(env.stdout, /^GREETING=hello-from-a-configmap$/m);
  t.match(env.stdout, /^PASSWORD=s3cret-from-a-secret$/m);
  t.match(env.stdout, /^HOSTNAME=shell$/m, 'the virtual pod\'s name, not the host pod\'s');
  const cat = await kubectl.run('exec', 'shell', '-c', 'app', '--', 'cat', '/etc/app/settings.conf');
  t.equal(cat.stdout, 'mode=virtual\n');
  const failed = await kubectl.run('exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
  t.equal(failed.code, 3, 'kubectl exits with the command\'s status');
  t.equal(failed.stdout, 'out\n');
  t.match(failed.stderr, /^err\n/);
  const stdin = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('kubectl', [...kubectl.baseArgs, 'exec', '-i', 'shell', '--', 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end('typed into stdin\n');
  });
  t.same(stdin, { code: 0, out: 'typed into stdin\n' }, 'stdin reaches the command and its end ends it');
});

t.test('when kubectl falls back to SPDY (as a real API server speaks to a kubelet), then exec and port-forward pass through the node proxy too', { skip }, async (t) => {
  const spdy = { ...process.env, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
  const exec = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('kubectl', [...kubectl.baseArgs, 'exec', 'shell', '--', 'sh', '-c', 'echo $GREETING; exit 2'], { env: spdy, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
  t.same(exec, { code: 2, out: 'hello-from-a-configmap\n' });
  const child = spawn('kubectl', [...kubectl.baseArgs, 'port-forward', 'pod/shell', ':80'], { env: spdy, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { child.kill(); });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const m = await eventually('kubectl port-forward over SPDY to listen', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out) ?? false, 20_000);
  const res = await httpGet(Number(m[1]), '/over-spdy');
  t.equal(res.code, 200);
});

t.test('when kubectl cp copies into and out of a virtual pod, then the bytes arrive both ways', { skip }, async (t) => {
  const local = join(work, 'upload.txt');
  writeFileSync(local, 'copied in through the node proxy\n');
  const up = await kubectl.run('cp', local, 'shell:/tmp/upload.txt');
  t.equal(up.code, 0, up.stderr);
  t.equal((await kubectl.run('exec', 'shell', '--', 'cat', '/tmp/upload.txt')).stdout, 'copied in through the node proxy\n');
  const down = await kubectl.run('cp', 'shell:/etc/app/settings.conf', join(work, 'settings.conf'));
  t.equal(down.code, 0, down.stderr);
  t.equal(readFileSync(join(work, 'settings.conf'), 'utf8'), 'mode=virtual\n');
});

t.test('when client-node\'s Exec runs in a virtual pod, then stdout and the Success status come back', async (t) => {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kc).exec('default', 'shell', 'app', ['sh', '-c', 'echo $GREETING'], stdout, null, null, false, resolve).catch(reject);
  });
  t.equal(status.status, 'Success');
  await eventually('the output', async () => out === 'hello-from-a-configmap\n');
});

/** Starts `kubectl port-forward` and returns the local port it listens on. */
async function portForward(t: { teardown(fn: () => void): void }, target: string, remote: number): Promise<number> {
  const child = spawn('kubectl', [...kubectl.baseArgs, 'port-forward', target, `:${remote}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { child.kill(); });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const m = await eventually('kubectl port-forward to listen', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> \d+/.exec(out) ?? false, 20_000);
  return Number(m[1]);
}

function httpGet(port: number, path = '/'): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('no answer through the forwarded port in 15 s')));
  });
}

t.test('when kubectl port-forward forwards a virtual pod\'s port, then an HTTP request through it reaches the container', { skip }, async (t) => {
  const port = await portForward(t, 'pod/shell', 80);
  for (let i = 0; i < 2; i++) {
    const res = await httpGet(port, `/request-${i}`);
    t.equal(res.code, 200, `request ${i}`);
    t.match(res.body, /shell/, 'the answer names the pod');
  }
});

t.test('when client-node\'s PortForward forwards a virtual pod\'s port, then an HTTP request through it is answered', async (t) => {
  const forward = new PortForward(kc);
  const server = createServer((socket: Socket) => {
    forward.portForward('default', 'shell', [80], socket, null, socket).catch((err: Error) => socket.destroy(err));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const res = await httpGet((server.address() as AddressInfo).port);
  t.equal(res.code, 200);
  t.match(res.body, /shell/);
});

t.test('when kubectl attach -i talks to a virtual pod whose main process is a shell, then it runs the input and the container ends with its exit code', { skip }, async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'attached' }, spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox:1.36', stdin: true }] } } });
  await eventually('the attach pod Running in the virtual cluster', async () => (await stack.virtualCore.readNamespacedPod({ namespace: 'default', name: 'attached' })).status?.phase === 'Running', 30_000);
  const child = spawn('kubectl', [...kubectl.baseArgs, 'attach', '-i', 'attached'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stdin.write('echo attached to $HOSTNAME\nexit 4\n');
  t.equal(await new Promise((resolve) => child.on('close', resolve)), 0);
  t.match(out, /attached to attached\n/);
  // The host pod ends with the shell's status (a Ready pod's later changes reach the virtual pod through
  // the host watch or resync, not tested here).
  const pod = await eventually('the host pod Failed with exit code 4', async () => {
    const p = await stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: `attached-x-default-x-${stack.endpoints.cluster}` });
    return p.status?.phase === 'Failed' && p;
  }, 30_000);
  t.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 4);
});

t.test('when kubectl debug adds an ephemeral container, then the host pod gets it, its status comes back, and it can be exec\'d into', { skip }, async (t) => {
  // The general profile adds SYS_PTRACE, which the baseline policy refuses, as Pod Security Admission does.
  const refused = await kubectl.run('debug', 'shell', '--image=busybox:1.36', '-c', 'ptrace', '--profile=general');
  t.not(refused.code, 0);
  t.match(refused.stderr, /denied the request: the pod breaks 1 rule of the host policy: spec\.ephemeralContainers\[0\]\.securityContext\.capabilities\.add\[0\] is "SYS_PTRACE"/);
  const debug = await kubectl.run('debug', 'shell', '--image=busybox:1.36', '-c', 'debugger', '--profile=baseline');
  t.equal(debug.code, 0, debug.stderr);
  const hostName = `shell-x-default-x-${stack.endpoints.cluster}`;
  await eventually('the ephemeral container on the host pod', async () => {
    const h = await stack.hostCore.readNamespacedPod({ namespace: stack.endpoints.hostNamespace, name: hostName });
    return (h.spec?.ephemeralContainers ?? []).some((c) => c.name === 'debugger');
  }, 60_000);
  await eventually('the debug container running in the virtual pod\'s status', async () => {
    const v = await stack.virtualCore.readNamespacedPod({ namespace: 'default', name: 'shell' });
    return !!v.status?.ephemeralContainerStatuses?.find((s) => s.name === 'debugger')?.state?.running;
  }, 30_000);
  const inDebugger = await kubectl.run('exec', 'shell', '-c', 'debugger', '--', 'echo', 'from the debugger');
  t.equal(inDebugger.code, 0, inDebugger.stderr);
  t.equal(inDebugger.stdout, 'from the debugger\n');

  // kubectl debug -i: kubectl waits for the status to come back, then attaches to the debug shell.
  const child = spawn('kubectl', [...kubectl.baseArgs, 'debug', '-i', 'shell', '--image=busybox:1.36', '-c', 'debugger-i', '--profile=baseline'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.stdin.write('echo debugging $HOSTNAME\nexit 0\n');
  t.equal(await new Promise((resolve) => child.on('close', resolve)), 0, out);
  t.match(out, /debugging shell\n/);
});

t.test('when an exec names a container the pod lacks, then the virtual API server refuses it before any stream', { skip }, async (t) => {
  const res = await kubectl.run('exec', 'shell', '-c', 'nope', '--', 'true');
  t.equal(res.code, 1);
  t.match(res.stderr, /container nope is not valid for pod shell/);
});
