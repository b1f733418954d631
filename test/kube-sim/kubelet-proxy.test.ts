// Virtual mode's pods/log, exec, attach and portforward against a kubelet endpoint on loopback: the node is
// found from the pod, its address and daemon endpoint port are dialled with the kubelet client certificate,
// the kubelet's path and query are kube-apiserver's, and what comes back (a log stream, a Status, a 101 and
// raw bytes) reaches the client as kube-apiserver passes it.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { kubeletHostPort, streamPath } from '../../infra/kube-sim/kubelet-location.js';
import { startCluster } from '../../infra/kube-sim/server.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { adminAgent } from '../helpers/admin-agent.js';
import { rawUpgrade, readBytes, readToEnd } from '../helpers/raw-upgrade.js';
import { request } from 'node:https';

t.test('when a node advertises addresses, then the first preferred type is dialled at its daemon endpoint port', async (t) => {
  const node = (addresses: object[], port?: number) => ({ metadata: { name: 'n' }, status: { addresses, ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) } });
  t.same(kubeletHostPort(node([{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '10.0.0.1' }], 1234)), { host: '10.0.0.1', port: 1234 });
  t.same(kubeletHostPort(node([{ type: 'Hostname', address: 'h' }])), { host: 'h', port: 10250 }, 'no port: --kubelet-port 10250');
  t.same(kubeletHostPort(node([{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '10.0.0.1' }]), ['Hostname']), { host: 'h', port: 10250 });
  t.throws(() => kubeletHostPort(node([{ type: 'InternalDNS', address: 'x' }])), /no preferred addresses found/);
  const pod = { metadata: { name: 'p', namespace: 'ns' } };
  t.equal(streamPath(pod, 'exec', 'c', new URLSearchParams('command=a&command=b&stdin=True&stdout=true&stderr=false&tty=')), '/exec/ns/p/c?command=a&command=b&input=1&output=1&tty=1');
  t.equal(streamPath(pod, 'portforward', undefined, new URLSearchParams('ports=80&ports=8080')), '/portForward/ns/p?port=80%2C8080');
});

type Seen = { method: string; url: string; headers: IncomingHttpHeaders; cn: string | undefined };

const kubeletCa = await createCertificateAuthority('kubelet-ca');
const kubeletServing = await kubeletCa.issueServerCert();
const kubeletClient = await kubeletCa.issueClientCert('kube-apiserver-kubelet-client', []);
const seen: Seen[] = [];
const fromKubelet = randomBytes(32 * 1024);
let receivedByKubelet: Buffer = Buffer.alloc(0);
let refuse: number | undefined;
const open = new Set<Duplex>();
const cn = (socket: unknown) => ((socket as TLSSocket).getPeerCertificate?.()?.subject?.CN as string | undefined);
const kubelet: Server = createServer({ key: kubeletServing.keyPem, cert: kubeletServing.certPem, ca: kubeletCa.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, cn: cn(req.socket) });
  if (refuse) return res.writeHead(refuse, { 'Content-Type': 'text/plain' }).end('access denied: pod does not belong to this virtual cluster');
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.write('log line 1\n');
  setTimeout(() => res.end('log line 2\n'), 30);
});
kubelet.on('upgrade', (req, socket: Duplex, head: Buffer) => {
  open.add(socket);
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, cn: cn(socket) });
  if (refuse) {
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', message: 'from the kubelet', code: refuse });
    socket.end(`HTTP/1.1 ${refuse} Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    return;
  }
  receivedByKubelet = head;
  socket.on('data', (b: Buffer) => (receivedByKubelet = Buffer.concat([receivedByKubelet, b])));
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
  socket.write(fromKubelet);
});
await new Promise<void>((resolve) => kubelet.listen(0, '127.0.0.1', resolve));
const kubeletPort = (kubelet.address() as AddressInfo).port;

const virtual = await startCluster({ mode: 'virtual', kubeletClient: { clientCertificate: kubeletClient, certificateAuthority: kubeletCa.certPem } });
t.teardown(async () => {
  for (const s of open) s.destroy();
  await virtual.close();
  await new Promise<void>((resolve) => kubelet.close(() => resolve()));
});
const kc = new KubeConfig();
kc.loadFromString(virtual.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
await core.createNode({ body: { metadata: { name: 'n1' }, status: { addresses: [{ type: 'Hostname', address: 'n1.invalid' }, { type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } } });
for (const name of ['web', 'pending']) {
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'busybox' }] } } });
}
await core.createNamespacedPodBinding({ namespace: 'default', name: 'web', body: { metadata: { name: 'web' }, target: { kind: 'Node', name: 'n1' } } });

const agent = adminAgent(virtual);
function get(path: string): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    request({ agent, host: '127.0.0.1', port: virtual.port, path }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
    }).on('error', reject).end();
  });
}
const admin = (() => {
  const user = (kc.getCurrentUser() ?? {}) as { certData?: string; keyData?: string };
  return { cert: Buffer.from(user.certData ?? '', 'base64').toString(), key: Buffer.from(user.keyData ?? '', 'base64').toString() };
})();
const upgrade = (path: string, headers: Array<[string, string]> = []) =>
  rawUpgrade({ port: virtual.port, ca: virtual.caPem, ...admin, method: 'POST', path, headers: [['Connection', 'Upgrade'], ['Upgrade', 'SPDY/3.1'], ['X-Stream-Protocol-Version', 'v4.channel.k8s.io'], ['X-Stream-Protocol-Version', 'v3.channel.k8s.io'], ['Authorization', 'Bearer users-own-token'], ...headers] });

t.test('when logs are asked for, then the kubelet of the pod\'s node gets /containerLogs with the set options and the stream comes back', async (t) => {
  const res = await get('/api/v1/namespaces/default/pods/web/log?container=side&follow=true&tailLines=3&timestamps=true&limitBytes=100');
  t.equal(res.code, 200);
  t.equal(res.text, 'log line 1\nlog line 2\n');
  t.match(seen.at(-1), { method: 'GET', url: '/containerLogs/default/web/side?follow=true&limitBytes=100&tailLines=3&timestamps=true', cn: 'kube-apiserver-kubelet-client' });
});

t.test('when the kubelet refuses a log, then the client gets the Status kube-apiserver makes of it', async (t) => {
  refuse = 403;
  const res = await get('/api/v1/namespaces/default/pods/web/log?container=app');
  refuse = undefined;
  t.equal(res.code, 403);
  t.match(JSON.parse(res.text), { kind: 'Status', reason: 'Forbidden', code: 403, message: 'access denied: pod does not belong to this virtual cluster ( pods/log web)', details: { name: 'web', kind: 'pods/log' } });
});

t.test('when the pod has no node or the request is wrong, then the API server answers itself, as kube-apiserver does', async (t) => {
  const before = seen.length;
  t.same(await get('/api/v1/namespaces/default/pods/pending/log?container=app'), { code: 200, text: '' }, 'no node: an empty log');
  const noHost = await upgrade('/api/v1/namespaces/default/pods/pending/exec?container=app&command=ls&stdout=true');
  t.equal(noHost.status, 400);
  t.match(JSON.parse((await readToEnd(noHost.socket, noHost.rest)).toString()), { reason: 'BadRequest', message: 'pod pending does not have a host assigned' });
  const which = await get('/api/v1/namespaces/default/pods/web/log');
  t.equal(which.code, 400);
  t.match(JSON.parse(which.text).message, 'a container name must be specified for pod web, choose one of: [app side]');
  const plain = await get('/api/v1/namespaces/default/pods/web/exec?container=app&command=ls');
  t.equal(plain.code, 400);
  t.equal(JSON.parse(plain.text).message, 'Upgrade request required');
  t.equal((await get('/api/v1/namespaces/default/pods/nope/log')).code, 404);
  t.equal(seen.length, before, 'none of these reached a kubelet');
});

t.test('when an exec is upgraded, then the kubelet gets /exec with kubelet flags and no user credentials, and bytes pass both ways', async (t) => {
  const up = await upgrade('/api/v1/namespaces/default/pods/web/exec?container=app&command=sh&command=-c&command=date&stdin=true&stdout=true&stderr=true');
  t.equal(up.status, 101);
  t.same(up.headers.filter(([k]) => k === 'x-stream-protocol-version'), [['x-stream-protocol-version', 'v4.channel.k8s.io']]);
  const got = await readBytes(up.socket, fromKubelet.length, up.rest);
  t.ok(got.equals(fromKubelet), 'the kubelet\'s bytes arrive as sent');
  const sent = randomBytes(40 * 1024);
  up.socket.write(sent);
  for (let i = 0; i < 100 && receivedByKubelet.length < sent.length; i++) await new Promise((r) => setTimeout(r, 20));
  t.ok(receivedByKubelet.equals(sent), 'the client\'s bytes arrive as sent');
  const req = seen.at(-1)!;
  t.equal(req.url, '/exec/default/web/app?command=sh&command=-c&command=date&error=1&input=1&output=1');
  t.equal(req.method, 'POST');
  t.equal(req.cn, 'kube-apiserver-kubelet-client');
  t.equal(req.headers.authorization, undefined, 'the user\'s token stays with the API server');
  t.equal(req.headers['x-stream-protocol-version'], 'v4.channel.k8s.io, v3.channel.k8s.io');
  up.socket.destroy();
});

t.test('when a port-forward or attach is upgraded, then its kubelet path is built; a kubelet refusal is echoed', async (t) => {
  const pf = await upgrade('/api/v1/namespaces/default/pods/web/portforward?ports=8080');
  t.equal(pf.status, 101);
  t.equal(seen.at(-1)!.url, '/portForward/default/web?port=8080');
  pf.socket.destroy();
  refuse = 403;
  const attach = await upgrade('/api/v1/namespaces/default/pods/web/attach?container=side&stdout=true');
  refuse = undefined;
  t.equal(attach.status, 403);
  t.equal(seen.at(-1)!.url, '/attach/default/web/side?output=1');
  t.match(JSON.parse((await readToEnd(attach.socket, attach.rest)).toString()), { message: 'from the kubelet', code: 403 });
});
