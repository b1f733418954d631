// pods/log in host mode, with the real kubectl (plain, --tail, --timestamps, --limit-bytes, -f until the pod is
// deleted, --previous after a crash) and client-node's Log class, plus the API server's refusals.
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { Log } from '@kubernetes/client-node';
import t from 'tap';
import { hasKubectl } from '../helpers/kubectl.js';
import { simplePod, startStreamingHost, type StreamingHost } from './streaming-harness.js';

let host: StreamingHost;
t.before(async () => {
  host = await startStreamingHost('streaming-logs');
});
t.teardown(() => host.close());

const START_WEB = 'sim-container: starting "app" (image nginx:1.27, restart 0)\nsim-container: listening on port 80/TCP\nsim-container: ready\n';

t.test('when kubectl logs reads a running container, then it prints its start-up lines, tailed, stamped and limited on request', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  await host.runPod(simplePod('web', { ports: [{ containerPort: 80 }] }));
  const plain = await host.kubectl.run('logs', 'web');
  t.equal(plain.code, 0, plain.stderr);
  t.equal(plain.stdout, START_WEB);
  const tail = await host.kubectl.run('logs', 'web', '--tail=1');
  t.equal(tail.stdout, 'sim-container: ready\n');
  const stamped = await host.kubectl.run('logs', 'web', '--timestamps', '--tail=2');
  t.match(stamped.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z sim-container: listening on port 80\/TCP\n\S+ sim-container: ready\n$/);
  const limited = await host.kubectl.run('logs', 'web', '--limit-bytes=12');
  t.equal(limited.stdout, 'sim-containe');
  const since = await host.kubectl.run('logs', 'web', '--since=1h');
  t.equal(since.stdout, START_WEB);
});

t.test('when kubectl logs -f follows a container, then it ends when the pod is deleted, with the shutdown line', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  await host.runPod(simplePod('follow'));
  const child = spawn('kubectl', [...host.kubectl.baseArgs, 'logs', '-f', 'follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 10_000;
  while (!out.includes('sim-container: ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const deleted = await host.kubectl.run('delete', 'pod', 'follow', '--wait=false');
  t.equal(deleted.code, 0, deleted.stderr);
  t.equal(await exited, 0, 'kubectl logs -f returns once the container is gone');
  t.match(out, /sim-container: ready\nsim-container: received SIGTERM, shutting down\n$/);
});

t.test('when a container crashed and restarted, then --previous shows the crashed run and its reason', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  await host.core.createNamespacedPod({ namespace: 'default', body: simplePod('crasher', { image: 'sim-crash' }) });
  await host.waitForPod('crasher', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!p.status?.containerStatuses?.[0]?.lastState?.terminated);
  const previous = await host.kubectl.run('logs', 'crasher', '--previous');
  t.equal(previous.code, 0, previous.stderr);
  t.match(previous.stdout, /^sim-container: starting "app" \(image sim-crash, restart \d+\)\nsim-container: ready\nsim-container: fatal: simulated crash \(image sim-crash\), exiting with status 1\n$/);

  const none = await host.kubectl.run('logs', 'web', '--previous');
  t.equal(none.code, 1);
  t.equal(none.stderr.trim(), 'Error from server (BadRequest): previous terminated container "app" in pod "web" not found');
});

t.test('when a container completed, then its log ends with the completion line', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  await host.core.createNamespacedPod({ namespace: 'default', body: simplePod('job', { image: 'sim-exit-0' }, { restartPolicy: 'Never' }) });
  await host.waitForPod('job', (p) => p.status?.phase === 'Succeeded');
  const done = await host.kubectl.run('logs', 'job');
  t.match(done.stdout, /sim-container: work complete \(image sim-exit-0\), exiting with status 0\n$/);
});

t.test('when the container is not named or not valid, or the options are invalid, then the API server refuses with its messages', async (t) => {
  await host.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'two' }, spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx' }] } } });
  const unnamed = await host.get('/api/v1/namespaces/default/pods/two/log');
  t.equal(unnamed.code, 400);
  t.match(JSON.parse(unnamed.text), { kind: 'Status', reason: 'BadRequest', message: 'a container name must be specified for pod two, choose one of: [a b]' });
  const wrong = await host.get('/api/v1/namespaces/default/pods/two/log?container=c');
  t.match(JSON.parse(wrong.text), { code: 400, message: 'container c is not valid for pod two' });
  const negative = await host.get('/api/v1/namespaces/default/pods/two/log?container=a&tailLines=-1');
  t.match(JSON.parse(negative.text), { code: 422, reason: 'Invalid', message: 'PodLogOptions "two" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0' });
  const missing = await host.get('/api/v1/namespaces/default/pods/ghost/log');
  t.match(JSON.parse(missing.text), { code: 404, message: 'pods "ghost" not found', details: { name: 'ghost', kind: 'pods' } });
});

t.test('when client-node Log follows with tailLines, then it gets the tail and the stream ends on deletion', async (t) => {
  await host.runPod(simplePod('lib'));
  let text = '';
  const sink = new Writable({ write(chunk, _enc, cb) { text += chunk; cb(); } });
  const ended = new Promise<void>((resolve) => sink.on('finish', () => resolve()));
  await new Log(host.kc).log('default', 'lib', 'app', sink, { follow: true, tailLines: 1 });
  const deadline = Date.now() + 10_000;
  while (!text.includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(text, 'sim-container: ready\n');
  await host.core.deleteNamespacedPod({ namespace: 'default', name: 'lib' });
  await ended;
  t.equal(text, 'sim-container: ready\nsim-container: received SIGTERM, shutting down\n');
});
