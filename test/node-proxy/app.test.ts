// The node proxy on loopback, as the virtual API server meets it: real TLS with client certificates, a real
// client-node host side, and a loopback host API that records what arrives. Refusals (401, 403), the pods
// listing, the query passed on, and an upgraded stream spliced byte for byte.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import t from 'tap';
import { translatePod } from '../../functions/_shared/core/translate-pod.js';
import { createHostStreams } from '../../functions/_shared/kube/host-stream.js';
import { createKubeSide } from '../../functions/_shared/kube/kube-side.js';
import { buildNodeProxy } from '../../functions/node-proxy/app.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { rawUpgrade, readBytes, readToEnd } from '../helpers/raw-upgrade.js';
import { startFakeHostApi } from './fake-host-api.js';

const CTX = { vcluster: 'demo', hostNamespace: 'vcluster-demo' };
const SECRET_COMMAND = 'echo-the-secret-word-7f3a';

function virtualPod(name: string, namespace = 'default', containers = ['app', 'sidecar']): V1Pod {
  return { metadata: { name, namespace, uid: `uid-${name}` }, spec: { containers: containers.map((c) => ({ name: c, image: 'busybox' })) } };
}

function hostPodOf(pod: V1Pod, ctx = CTX, nodeName = 'sim-node-0'): V1Pod {
  const hostPod = translatePod(pod, ctx);
  hostPod.spec!.nodeName = nodeName;
  hostPod.status = { phase: 'Running' };
  return hostPod;
}

const greeting = randomBytes(48 * 1024);
const fake = await startFakeHostApi(greeting);
const put = (pod: V1Pod) => fake.pods.set(`${pod.metadata!.namespace}/${pod.metadata!.name}`, pod);
put(hostPodOf(virtualPod('web')));
put(hostPodOf(virtualPod('api', 'shop')));
// Another virtual cluster's pod in the same host namespace, and a pod nobody manages that carries the very
// name web-x-default-x-demo would translate to for `imposter`.
put(hostPodOf(virtualPod('web', 'default'), { vcluster: 'other', hostNamespace: 'vcluster-demo' }));
const imposterName = translatePod(virtualPod('imposter'), CTX).metadata!.name!;
put({ metadata: { name: imposterName, namespace: 'vcluster-demo', labels: {} }, spec: { containers: [{ name: 'app', image: 'x' }] }, status: { phase: 'Running' } });

const dir = await mkdtemp(join(tmpdir(), 'node-proxy-test-'));
const hostKubeconfig = join(dir, 'host.kubeconfig');
await writeFile(hostKubeconfig, fake.kubeconfig);

const kubeletCa = await createCertificateAuthority('kubelet-client-ca');
const serving = await kubeletCa.issueServerCert();
const apiserver = await kubeletCa.issueClientCert('kube-apiserver-kubelet-client', []);
const rogue = await (await createCertificateAuthority('rogue-ca')).issueClientCert('kube-apiserver-kubelet-client', []);

const logLines: string[] = [];
const log = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }));
const proxy = buildNodeProxy({
  ...CTX,
  tls: { key: serving.keyPem, cert: serving.certPem, clientCa: kubeletCa.certPem },
  host: createKubeSide({ name: 'host', kubeconfigPath: hostKubeconfig }),
  streams: createHostStreams(hostKubeconfig),
  log,
});
await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
const port = (proxy.server.address() as AddressInfo).port;
t.teardown(async () => {
  await proxy.close();
  await fake.close();
});

function get(path: string, cert: { certPem: string; keyPem: string } | null = apiserver): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, ca: kubeletCa.certPem, servername: 'localhost', ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}), agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

const upgrade = (path: string, headers: Array<[string, string]> = [], cert: { certPem: string; keyPem: string } | null = apiserver) =>
  rawUpgrade({ port, ca: kubeletCa.certPem, cert: cert?.certPem, key: cert?.keyPem, path, headers: [['Connection', 'Upgrade'], ['Upgrade', 'SPDY/3.1'], ...headers] });

t.test('when a caller has no client certificate, or one from another CA, then only /healthz answers and everything else is 401', async (t) => {
  t.equal((await get('/healthz', null)).status, 200);
  for (const cert of [null, rogue]) {
    const res = await get('/pods', cert);
    t.equal(res.status, 401);
    t.match(JSON.parse(res.body), { kind: 'Status', reason: 'Unauthorized', code: 401 });
    t.equal((await get('/containerLogs/default/web/app', cert)).status, 401);
  }
  const up = await upgrade('/exec/default/web/app?command=ls&output=1', [], null);
  t.equal(up.status, 401);
  up.socket.destroy();
});

t.test('when /pods and /runningpods are asked for, then they list this virtual cluster\'s pods only, by their virtual names', async (t) => {
  for (const path of ['/pods', '/runningpods/']) {
    const res = await get(path);
    t.equal(res.status, 200);
    const list = JSON.parse(res.body);
    t.equal(list.kind, 'PodList');
    t.same(list.items.map((p: V1Pod) => `${p.metadata!.namespace}/${p.metadata!.name}`).sort(), ['default/web', 'shop/api'], path);
    t.equal(list.items.find((p: V1Pod) => p.metadata!.name === 'web').metadata.uid, 'uid-web');
    t.notMatch(res.body, /-x-/, 'no host name leaks');
  }
});

t.test('when a pod is not this virtual cluster\'s, or the container is unknown, then logs and upgrades are refused with 403', async (t) => {
  const before = fake.requests.length;
  const cases = [
    ['/containerLogs/default/nothere/app', 'a pod with no host pod'],
    ['/containerLogs/default/imposter/app', 'an unmanaged host pod under the translated name'],
    ['/containerLogs/default/web/istio-proxy', 'a container the pod lacks'],
    ['/containerLogs/default/web/app'.replace('default', 'kube-system'), 'the same name in another namespace'],
  ];
  for (const [path, what] of cases) {
    const res = await get(path);
    t.equal(res.status, 403, what);
    t.match(JSON.parse(res.body), { kind: 'Status', reason: 'Forbidden', code: 403, message: /^access denied: / }, what);
  }
  const wrongUid = await upgrade('/exec/default/web/not-the-uid/app?command=ls&output=1');
  t.equal(wrongUid.status, 403, 'a uid in the path that is not the virtual pod\'s');
  const foreign = await upgrade('/exec/default/imposter/app?command=ls&output=1');
  t.equal(foreign.status, 403);
  t.match(JSON.parse((await readToEnd(foreign.socket, foreign.rest)).toString()), { reason: 'Forbidden', message: 'access denied: pod does not belong to this virtual cluster' });
  wrongUid.socket.destroy();
  t.equal(fake.requests.length, before, 'nothing refused reached the host API');
});

t.test('when logs are asked for, then every option reaches the host pod\'s log subresource unchanged', async (t) => {
  const query = 'follow=true&previous=true&timestamps=true&sinceSeconds=30&sinceTime=2026-01-02T03%3A04%3A05Z&tailLines=5&limitBytes=1000';
  const res = await get(`/containerLogs/default/web/app?${query}`);
  t.equal(res.status, 200);
  t.equal(res.body, 'first line\nsecond line\n');
  t.match(res.type, /^text\/plain/);
  const seen = new URL(fake.requests.at(-1)!.url, 'https://x');
  t.equal(seen.pathname, '/api/v1/namespaces/vcluster-demo/pods/web-x-default-x-demo/log');
  t.equal(seen.searchParams.get('container'), 'app');
  for (const [k, v] of new URLSearchParams(query)) t.equal(seen.searchParams.get(k), v, k);
  t.equal(fake.requests.at(-1)!.headers.authorization, `Bearer ${fake.token}`, 'the host credentials, not the caller\'s');

  const refused = await get('/containerLogs/default/web/sidecar?previous=true');
  t.equal(refused.status, 400, 'the host\'s refusal keeps its code');
  t.equal(refused.body, 'previous terminated container "sidecar" in pod "web" not found', 'as a kubelet\'s error text, naming the virtual pod');

  const legacy = await get('/containerLogs/default/web/app?tail=3');
  t.equal(legacy.status, 200);
  t.equal(new URL(fake.requests.at(-1)!.url, 'https://x').searchParams.get('tailLines'), '3', 'the kubelet\'s legacy tail becomes tailLines');
});

t.test('when an exec upgrade is spliced to the host, then the query is translated, protocol headers kept apart, and bytes pass unchanged both ways', async (t) => {
  const path = `/exec/default/web/uid-web/sidecar?command=sh&command=-c&command=${SECRET_COMMAND}&input=1&output=1&tty=1`;
  const up = await upgrade(path, [['X-Stream-Protocol-Version', 'v4.channel.k8s.io'], ['X-Stream-Protocol-Version', 'channel.k8s.io'], ['Authorization', 'Bearer the-virtual-api-servers-own']]);
  t.equal(up.status, 101);
  t.same(up.headers.find(([k]) => k === 'upgrade'), ['upgrade', 'SPDY/3.1']);
  const sent = randomBytes(64 * 1024);
  up.socket.write(sent);
  const received = await readBytes(up.socket, greeting.length, up.rest);
  t.ok(received.equals(greeting), 'the host\'s bytes arrive untouched');
  await new Promise((r) => setTimeout(r, 200));
  t.ok(fake.upgradeBytes.at(-1)!.equals(sent), 'the client\'s bytes arrive at the host untouched');

  const req = fake.requests.at(-1)!;
  const seen = new URL(req.url, 'https://x');
  t.equal(seen.pathname, '/api/v1/namespaces/vcluster-demo/pods/web-x-default-x-demo/exec');
  t.same(seen.searchParams.getAll('command'), ['sh', '-c', SECRET_COMMAND]);
  t.same(Object.fromEntries([...seen.searchParams].filter(([k]) => k !== 'command')), { container: 'sidecar', stdin: 'true', stdout: 'true', tty: 'true' });
  const versions = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i].toLowerCase() === 'x-stream-protocol-version').length;
  t.equal(versions, 2, 'each X-Stream-Protocol-Version stays its own line');
  t.equal(req.headers.authorization, `Bearer ${fake.token}`, 'the caller\'s credentials stay behind');
  up.socket.destroy();
});

t.test('when a port-forward upgrade names ports, then they reach the host as ports; a refused upgrade is echoed', async (t) => {
  const up = await upgrade('/portForward/shop/api?port=8080,9090', [['Upgrade', 'websocket'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Protocol', 'v4.channel.k8s.io']]);
  t.equal(up.status, 101);
  t.same(new URL(fake.requests.at(-1)!.url, 'https://x').searchParams.getAll('ports'), ['8080', '9090']);
  t.equal(new URL(fake.requests.at(-1)!.url, 'https://x').pathname, '/api/v1/namespaces/vcluster-demo/pods/api-x-shop-x-demo/portforward');
  up.socket.destroy();

  fake.refuseUpgradeWith = 400;
  const refused = await upgrade('/attach/default/web/app?input=1&output=1');
  t.equal(refused.status, 400);
  t.match(JSON.parse((await readToEnd(refused.socket, refused.rest)).toString()), { message: 'refused with 400' });
  fake.refuseUpgradeWith = undefined;
});

t.test('when plain requests reach upgrade endpoints or unknown paths, then they get the kubelet\'s errors', async (t) => {
  const plain = await get('/exec/default/web/app?command=ls');
  t.equal(plain.status, 400);
  t.match(JSON.parse(plain.body), { message: 'Upgrade request required' });
  t.equal((await get('/stats/summary')).status, 404);
  t.equal((await get('/run/default/web/app')).status, 404);
});

t.test('when streams have flowed, then the logs name pods and byte counts but no command or stream content', async (t) => {
  await new Promise((r) => setTimeout(r, 100));
  const all = logLines.join('');
  t.match(all, /"kind":"exec"/);
  t.match(all, /"bytesIn":65536/);
  t.notMatch(all, SECRET_COMMAND);
  t.notMatch(all, /first line|second line/);
  t.notMatch(all, greeting.subarray(0, 16).toString('base64'));
});
