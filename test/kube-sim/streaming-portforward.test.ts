// pods/portforward in host mode: kubectl port-forward over its WebSocket tunnel (SPDY/3.1+portforward.k8s.io)
// and over plain SPDY, client-node's PortForward and a raw client on the legacy v4 channels, each reaching
// the built-in server on a declared container port.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { PortForward } from '@kubernetes/client-node';
import t from 'tap';
import { hasKubectl } from '../helpers/kubectl.js';
import { connectWebSocket, drain } from '../helpers/websocket-client.js';
import { simplePod, startStreamingHost, type StreamingHost } from './streaming-harness.js';

let host: StreamingHost;
t.before(async () => {
  host = await startStreamingHost('streaming-pf');
  await host.runPod(simplePod('web', { ports: [{ name: 'http', containerPort: 80 }, { containerPort: 6379 }] }));
});
t.teardown(() => host.close());

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** kubectl port-forward on a free local port; resolves once it listens. */
async function portForward(remote: string, env: Record<string, string> = {}) {
  const child = spawn('kubectl', [...host.kubectl.baseArgs, 'port-forward', 'pod/web', `:${remote}`], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 15_000;
  while (!/Forwarding from 127\.0\.0\.1:(\d+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  return { port, output: () => out, exited, stop: () => child.kill() };
}

for (const [name, env] of [['its WebSocket tunnel', {}], ['SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
  t.test(`when kubectl port-forward runs over ${name}, then HTTP requests reach the pod's port`, { skip: !hasKubectl && 'no kubectl' }, async (t) => {
    const pf = await portForward('80', env);
    t.ok(pf.port > 0, pf.output());
    for (const path of ['/', '/second']) {
      const res = await get(pf.port, path);
      t.equal(res.status, 200);
      t.equal(res.body, `Hello from pod default/web, container app, port 80/TCP (http): GET ${path}\n`);
    }
    t.match(pf.output(), /Forwarding from 127\.0\.0\.1:\d+ -> 80\n[^]*Handling connection for \d+\n/);
    pf.stop();
    await pf.exited;
  });
}

t.test('when kubectl forwards a port nothing listens on, then the request fails with the runtime\'s refusal', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const pf = await portForward('81');
  const failed = await get(pf.port, '/').then(() => 'answered', () => 'failed');
  t.equal(failed, 'failed');
  const code = await pf.exited;
  t.not(code, 0, 'kubectl port-forward gives up on the lost connection');
  t.match(pf.output(), /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod \w+, uid : failed to execute portforward in network namespace .*connect: connection refused/);
});

t.test('when client-node PortForward carries a TCP connection, then the pod\'s server answers through it', async (t) => {
  const pf = new PortForward(host.kc);
  const server = net.createServer(async (socket) => {
    const ws = await pf.portForward('default', 'web', [80], socket, null, socket);
    (ws as { on(e: string, l: () => void): void }).on('close', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const res = await get((server.address() as net.AddressInfo).port, '/via-client-node');
  t.same(res, { status: 200, body: 'Hello from pod default/web, container app, port 80/TCP (http): GET /via-client-node\n' });
});

t.test('when a raw client uses the legacy v4 channels, then each channel starts with the port and bytes flow both ways', async (t) => {
  const up = await connectWebSocket(host.kc, '/api/v1/namespaces/default/pods/web/portforward?ports=6379', ['v4.channel.k8s.io']);
  if (!('ws' in up)) throw new Error(`no upgrade: ${up.code} ${up.body}`);
  const messages: Buffer[] = [];
  up.ws.on('message', (d) => messages.push(d));
  up.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('PING\r\n')]));
  const deadline = Date.now() + 5000;
  while (messages.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.same(messages.slice(0, 2).map((m) => [...m]), [[0, 0xeb, 0x18], [1, 0xeb, 0x18]], 'port 6379 little-endian on the data and error channels');
  t.same([...messages[2]!], [0, ...Buffer.from('PING\r\n')], 'a non-HTTP client is echoed');
  up.ws.close();

  const closed = await connectWebSocket(host.kc, '/api/v1/namespaces/default/pods/web/portforward?ports=81', ['v4.channel.k8s.io']);
  if (!('ws' in closed)) throw new Error('no upgrade');
  const got = await drain(closed.ws);
  t.match(got.messages.map((m) => m.data.subarray(1).toString()).join('|'), /error forwarding port 81 to pod/);
  t.equal(got.code, 1000);

  const noPorts = await connectWebSocket(host.kc, '/api/v1/namespaces/default/pods/web/portforward', ['v4.channel.k8s.io']);
  t.same(noPorts, { code: 400, body: 'query parameter "port" is required' });
});
