// pods/exec, pods/attach and kubectl cp in host mode: the real kubectl (WebSocket v5), client-node's Exec and
// Attach, and raw WebSocket clients for the older subprotocols, over a container whose environment and files
// come from ConfigMaps, a Secret, the downward API, the service-account token and a shared emptyDir.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Attach, Exec, type V1Status } from '@kubernetes/client-node';
import t from 'tap';
import { hasKubectl } from '../helpers/kubectl.js';
import { connectWebSocket, drain } from '../helpers/websocket-client.js';
import { simplePod, startStreamingHost, type StreamingHost } from './streaming-harness.js';

let host: StreamingHost;
const ns = 'default';

t.before(async () => {
  host = await startStreamingHost('streaming-exec');
  await host.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'app-config' }, data: { MODE: 'fast', 'app.conf': 'listen 80\n' } } });
  await host.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'app-env' }, data: { LEVEL: 'debug' } } });
  await host.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'app-secret' }, stringData: { PASSWORD: 'hunter2' } } });
  await host.runPod({
    metadata: { name: 'rich', labels: { app: 'rich' } },
    spec: {
      containers: [
        {
          name: 'app', image: 'nginx:1.27', resources: { limits: { memory: '128Mi' } },
          env: [
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'MODE' } } },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'PASSWORD' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'GREETING', value: 'hi $(POD_NAME)' },
          ],
          envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-env' } }],
          volumeMounts: [
            { name: 'config', mountPath: '/etc/app' }, { name: 'secret', mountPath: '/etc/secret' },
            { name: 'podinfo', mountPath: '/etc/podinfo' }, { name: 'scratch', mountPath: '/scratch' },
          ],
        },
        { name: 'sidecar', image: 'busybox:1.36', command: ['sh', '-c', 'echo from-sidecar > /scratch/hello; sleep 3600'], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'app-config' } },
        { name: 'secret', secret: { secretName: 'app-secret' } },
        { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'scratch', emptyDir: {} },
      ],
    },
  });
});
t.teardown(() => host.close());

const exec = (...args: string[]) => host.kubectl.run('exec', 'rich', '-c', 'app', '--', ...args);

t.test('when kubectl exec runs env, then it shows the ConfigMap, Secret and downward API values', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const env = await exec('env');
  t.equal(env.code, 0, env.stderr);
  const vars = new Map(env.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  t.match(Object.fromEntries(vars), { MODE: 'fast', PASSWORD: 'hunter2', POD_NAME: 'rich', MEM_LIMIT: '128', GREETING: 'hi rich', CFG_LEVEL: 'debug', HOSTNAME: 'rich', HOME: '/root' });
  t.equal(env.stdout.split('\n')[0], 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

t.test('when kubectl exec cats mounted files, then it sees the volumes and the service-account token', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const files = await exec('cat', '/etc/app/app.conf', '/etc/secret/PASSWORD', '/etc/podinfo/labels');
  t.equal(files.stdout, 'listen 80\nhunter2app="rich"');
  const sa = await exec('ls', '/var/run/secrets/kubernetes.io/serviceaccount');
  t.equal(sa.stdout, 'ca.crt\nnamespace\ntoken\n');
  const namespace = await exec('cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace');
  t.equal(namespace.stdout, 'default');
  const token = await exec('cat', '/var/run/secrets/kubernetes.io/serviceaccount/token');
  const claims = JSON.parse(Buffer.from(token.stdout.split('.')[1]!, 'base64url').toString());
  t.match(claims, { sub: 'system:serviceaccount:default:default', 'kubernetes.io': { pod: { name: 'rich' } } });
  const ca = await exec('cat', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
  t.equal(ca.stdout, host.cluster.caPem);
  const shared = await exec('cat', '/scratch/hello');
  t.equal(shared.stdout, 'from-sidecar\n', 'the emptyDir the sidecar wrote to');
  const readOnly = await exec('sh', '-c', 'echo x > /etc/app/new');
  t.equal(readOnly.code, 1);
  t.match(readOnly.stdout + readOnly.stderr, /sh: can't create \/etc\/app\/new: Read-only file system/);
});

t.test('when the command exits non-zero or does not exist, then kubectl gets the exit code or the runtime error', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const three = await exec('sh', '-c', 'echo partial; exit 3');
  t.equal(three.code, 3);
  t.equal(three.stdout, 'partial\n');
  t.equal(three.stderr.trim(), 'command terminated with exit code 3');
  const inShell = await exec('sh', '-c', 'nosuch');
  t.equal(inShell.code, 127);
  t.match(inShell.stderr, /sh: nosuch: not found/);
  const direct = await exec('nosuch');
  t.equal(direct.code, 1);
  t.match(direct.stderr, /^error: Internal error occurred: .*OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in \$PATH: unknown/);
});

t.test('when kubectl exec -i feeds a script on stdin, then the shell runs it line by line', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const { spawn } = await import('node:child_process');
  const child = spawn('kubectl', [...host.kubectl.baseArgs, 'exec', '-i', 'rich', '-c', 'app', '--', 'sh'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stdin.end('echo mode=$MODE\ncd /etc/app && ls\nexit 5\necho never\n');
  const code = await new Promise((resolve) => child.on('close', resolve));
  t.equal(code, 5);
  t.equal(out, 'mode=fast\nMODE\napp.conf\n');
});

t.test('when kubectl cp copies a directory in and out, then both trees match', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-cp-'));
  mkdirSync(join(dir, 'src/sub'), { recursive: true });
  writeFileSync(join(dir, 'src/a.txt'), 'alpha\n');
  writeFileSync(join(dir, 'src/sub/b.txt'), 'beta\n');
  const into = await host.kubectl.run('cp', join(dir, 'src'), 'rich:/tmp/copied', '-c', 'app');
  t.equal(into.code, 0, into.stderr);
  const listed = await exec('ls', '-R', '/tmp/copied');
  t.equal(listed.stdout, '/tmp/copied:\na.txt\nsub\n\n/tmp/copied/sub:\nb.txt\n');
  const file = await host.kubectl.run('cp', join(dir, 'src/a.txt'), 'rich:/tmp/single.txt', '-c', 'app');
  t.equal(file.code, 0, file.stderr);
  t.equal((await exec('cat', '/tmp/single.txt')).stdout, 'alpha\n');
  const out = await host.kubectl.run('cp', 'rich:/tmp/copied', join(dir, 'back'), '-c', 'app');
  t.equal(out.code, 0, out.stderr);
  t.equal(readFileSync(join(dir, 'back/sub/b.txt'), 'utf8'), 'beta\n');
  t.equal(readFileSync(join(dir, 'back/a.txt'), 'utf8'), 'alpha\n');
});

t.test('when kubectl attach -i talks to a container whose main process is a shell, then it runs the input and the container exits with it', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  await host.runPod(simplePod('shell', { image: 'busybox:1.36', stdin: true }, { restartPolicy: 'Never' }));
  const { spawn } = await import('node:child_process');
  const child = spawn('kubectl', [...host.kubectl.baseArgs, 'attach', '-i', 'shell'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stdin.write('echo attached to $HOSTNAME\nexit 4\n');
  const code = await new Promise((resolve) => child.on('close', resolve));
  t.equal(code, 0);
  t.match(out, /attached to shell\n/);
  const pod = await host.waitForPod('shell', (p) => p.status?.phase === 'Failed');
  t.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 4);
  const logs = await host.kubectl.run('logs', 'shell');
  t.equal(logs.stdout, 'attached to shell\n');
});

t.test('when the container is not running, then kubectl exec reports the failed upgrade', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  await host.core.createNamespacedPod({ namespace: ns, body: simplePod('stuck', { image: 'sim-pull-fail' }) });
  await host.waitForPod('stuck', (p) => !!p.spec?.nodeName && !!p.status?.containerStatuses?.length);
  const r = await host.kubectl.run('exec', 'stuck', '--', 'echo');
  t.equal(r.code, 1);
  t.equal(r.stderr.trim(), 'error: Internal error occurred: unable to upgrade connection: container not found ("app")');
});

const sink = (into: { text: string }) => new Writable({ write(c, _e, cb) { into.text += c; cb(); } });

t.test('when client-node Exec runs with stdin and a failing command, then it gets the output and the exit Status', async (t) => {
  const exec = new Exec(host.kc);
  const out = { text: '' };
  const err = { text: '' };
  const status = await new Promise<V1Status>((resolve) => {
    void exec.exec(ns, 'rich', 'app', ['sh', '-c', 'echo $MODE; echo oops >&2; exit 7'], sink(out), sink(err), null, false, resolve);
  });
  t.equal(out.text, 'fast\n');
  t.equal(err.text, 'oops\n');
  t.match(status, { status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
  const stdin = new PassThrough();
  const cat = { text: '' };
  const ok = await new Promise<V1Status>((resolve) => {
    void exec.exec(ns, 'rich', 'app', ['cat'], sink(cat), sink(err), stdin, false, resolve);
    stdin.end('through cat\n');
  });
  t.equal(cat.text, 'through cat\n');
  t.same(ok, { metadata: {}, status: 'Success' });
});

t.test('when client-node Attach follows a container writing in a loop, then it sees the new lines', async (t) => {
  await host.runPod(simplePod('ticker', { image: 'busybox:1.36', command: ['sh', '-c', 'while true; do echo tick; sleep 0.05; done'] }));
  const out = { text: '' };
  const ws = await new Attach(host.kc).attach(ns, 'ticker', 'app', sink(out), null, null, false);
  const deadline = Date.now() + 10_000;
  while (!out.text.includes('tick\ntick\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  ws.close();
  t.match(out.text, /^(tick\n)+/);
});

t.test('when a raw client speaks v4, base64 or no subprotocol, then the kubelet framing and wording come back', async (t) => {
  const path = `/api/v1/namespaces/${ns}/pods/rich/exec?container=app&command=sh&command=-c&command=echo+out%3B+exit+2&stdout=true&stderr=true`;
  const v4 = await connectWebSocket(host.kc, path, ['v4.channel.k8s.io']);
  if (!('ws' in v4)) throw new Error(`no upgrade: ${v4.code}`);
  t.equal(v4.ws.protocol, 'v4.channel.k8s.io');
  const got = await drain(v4.ws);
  t.equal(got.code, 1000);
  t.same(got.messages.map((m) => [m.data[0], m.data.subarray(1).toString()]), [
    [1, ''],
    [1, 'out\n'],
    [3, JSON.stringify({ metadata: {}, status: 'Failure', message: "command terminated with non-zero exit code: command 'sh -c echo out; exit 2' exited with 2", reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } })],
  ]);

  const b64 = await connectWebSocket(host.kc, path, ['base64.channel.k8s.io']);
  if (!('ws' in b64)) throw new Error('no upgrade');
  const texts = (await drain(b64.ws)).messages;
  t.ok(texts.every((m) => !m.binary), 'text frames');
  t.same(texts.map((m) => [m.data.toString()[0], Buffer.from(m.data.toString().slice(1), 'base64').toString()]), [
    ['1', ''], ['1', 'out\n'], ['3', "command terminated with non-zero exit code: command 'sh -c echo out; exit 2' exited with 2"],
  ]);

  const none = await connectWebSocket(host.kc, path.replace('exit+2', 'exit+0'), []);
  if (!('ws' in none)) throw new Error('no upgrade');
  t.equal(none.ws.protocol, '');
  t.same((await drain(none.ws)).messages.map((m) => m.data.toString('latin1')), ['\x01', '\x01out\n'], 'v1: nothing on the error channel on success');
});

t.test('when an upgrade cannot be served, then the refusal is plain HTTP as kube-apiserver and the kubelet answer it', async (t) => {
  const base = `/api/v1/namespaces/${ns}/pods`;
  const stuck = await connectWebSocket(host.kc, `${base}/stuck/exec?command=echo&stdout=true`, ['v4.channel.k8s.io']);
  t.same(stuck, { code: 500, body: 'container not found ("app")' });
  const v3 = await connectWebSocket(host.kc, `${base}/rich/exec?container=app&command=echo&stdout=true`, ['v3.channel.k8s.io']);
  t.match(v3, { code: 400, body: /requested protocol\(s\) are not supported: \[v3.channel.k8s.io\]/ });
  const ghost = await connectWebSocket(host.kc, `${base}/ghost/exec?command=echo&stdout=true`, ['v5.channel.k8s.io']);
  t.match(ghost, { code: 404 });
  t.match(JSON.parse((ghost as { body: string }).body), { reason: 'NotFound', message: 'pods "ghost" not found', details: { name: 'ghost', kind: 'pods' } });
  const noCommand = await connectWebSocket(host.kc, `${base}/rich/exec?container=app&stdout=true`, ['v5.channel.k8s.io']);
  t.match(JSON.parse((noCommand as { body: string }).body), { code: 400, message: 'you must specify at least one command for the container' });
  const plain = await host.get(`${base}/rich/exec?container=app&command=echo&stdout=true`);
  t.match(JSON.parse(plain.text), { code: 400, reason: 'BadRequest', message: 'Upgrade request required' });
  const twoNoName = await connectWebSocket(host.kc, `${base}/rich/exec?command=echo&stdout=true`, ['v5.channel.k8s.io']);
  t.match(JSON.parse((twoNoName as { body: string }).body), { code: 400, message: 'a container name must be specified for pod rich, choose one of: [app sidecar]' });
});

t.test('when client-node Exec opens a shell with a TTY, then input is echoed, lines end in CR LF and the prompt shows', async (t) => {
  const out = { text: '' };
  const stdin = new PassThrough();
  const status = await new Promise<V1Status>((resolve) => {
    void new Exec(host.kc).exec(ns, 'rich', 'app', ['sh'], sink(out), null, stdin, true, resolve);
    stdin.write('echo $MODE\r');
    stdin.write('exit 2\r');
  });
  t.equal(out.text, '/ # echo $MODE\r\nexit 2\r\nfast\r\n/ # ');
  t.match(status, { reason: 'NonZeroExitCode', details: { causes: [{ message: '2' }] } });
});
