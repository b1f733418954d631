// The HTTP layer of startCluster on the wire: discovery and OpenAPI documents, Tables for get/list/watch,
// watch timeouts with bookmarks, Warning headers, metrics, faults set at run time, and close() ending watches.
import https from 'node:https';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { adminAgent } from '../helpers/admin-agent.js';

let cluster: StartedCluster;
let agent: https.Agent;

t.before(async () => {
  cluster = await startCluster({ mode: 'virtual' });
  agent = adminAgent(cluster);
});
t.teardown(async () => {
  agent.destroy();
  await cluster.close();
});

interface Reply { code: number; headers: Record<string, string | string[] | undefined>; text: string; json(): any }

function call(method: string, path: string, opts: { body?: unknown; contentType?: string; accept?: string } = {}): Promise<Reply> {
  const url = new URL(path, cluster.url);
  const headers: Record<string, string> = { 'Content-Type': opts.contentType ?? 'application/json' };
  if (opts.accept) headers.Accept = opts.accept;
  return new Promise((resolve, reject) => {
    const req = https.request({ agent, method, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
  });
}

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'http' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

t.test('when kubectl-style discovery is requested, then legacy JSON documents answer', async (t) => {
  const api = await call('GET', '/api', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  t.equal(api.headers['content-type'], 'application/json');
  t.match(api.json(), { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0' }] });
  t.match((await call('GET', '/apis')).json(), { kind: 'APIGroupList', groups: [{ name: 'admissionregistration.k8s.io', preferredVersion: { groupVersion: 'admissionregistration.k8s.io/v1' } }] });
  const v1 = (await call('GET', '/api/v1')).json();
  t.match(v1.resources.find((r: { name: string }) => r.name === 'pods'), { kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'] });
  t.match(v1.resources.find((r: { name: string }) => r.name === 'pods/binding'), { kind: 'Binding', verbs: ['create'] });
  const index = (await call('GET', '/openapi/v3')).json();
  const doc = (await call('GET', index.paths['api/v1'].serverRelativeURL)).json();
  const item = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
  t.match(item.patch, { 'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: 'Pod' } });
  t.ok(item.patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'));
  t.match((await call('GET', '/apis/admissionregistration.k8s.io/v1')).json(), { groupVersion: 'admissionregistration.k8s.io/v1' });
  t.match(await call('POST', '/api/v1', { body: {} }), { code: 405 });
});

t.test('when Tables are asked for, then get and list answer meta.k8s.io/v1 Tables', async (t) => {
  await call('POST', '/api/v1/namespaces/default/pods', { body: pod('table-a') });
  const one = (await call('GET', '/api/v1/namespaces/default/pods/table-a', { accept: TABLE })).json();
  t.match(one, { kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
  t.same(one.columnDefinitions.slice(0, 5).map((c: { name: string }) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  t.equal(one.rows.length, 1);
  const list = (await call('GET', '/api/v1/namespaces/default/pods?limit=500', { accept: TABLE })).json();
  t.match(list, { kind: 'Table', metadata: { resourceVersion: /^\d+$/ } });
  const plain = (await call('GET', '/api/v1/namespaces/default/pods/table-a')).json();
  t.equal(plain.kind, 'Pod');
});

t.test('when a Table watch runs until timeoutSeconds, then each event is a one-row Table and a bookmark closes it', async (t) => {
  const start = Date.now();
  const watching = call('GET', '/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dhttp&timeoutSeconds=1&allowWatchBookmarks=true', { accept: TABLE });
  const reply = await watching;
  t.ok(Date.now() - start >= 900, 'ended by the timeout');
  const events = reply.text.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(events[0].type, 'ADDED');
  t.match(events[0].object, { kind: 'Table', rows: [{ cells: ['table-a'] }] });
  t.equal(events.at(-1).type, 'BOOKMARK');
  t.match(events.at(-1).object, { metadata: { resourceVersion: /^\d+$/ } });
  t.equal(reply.headers['transfer-encoding'], 'chunked');
});

t.test('when the server closes, then open watches end cleanly', async (t) => {
  const other = await startCluster({ mode: 'virtual' });
  const otherAgent = adminAgent(other);
  const url = new URL('/api/v1/namespaces/default/pods?watch=1', other.url);
  const ended = new Promise<string>((resolve, reject) => {
    https.get({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, agent: otherAgent }, (res) => {
      res.resume();
      res.on('end', () => resolve('end'));
      res.on('error', reject);
      setTimeout(() => other.close(), 50);
    }).on('error', reject);
  });
  t.equal(await ended, 'end');
  otherAgent.destroy();
});

t.test('when a write has an unknown field under fieldValidation=Warn, then a Warning: 299 header says so', async (t) => {
  const res = await call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warned' }, colour: 'red' } });
  t.equal(res.code, 201);
  t.match(String(res.headers.warning), '299 - "unknown field \\"colour\\""');
  const strict = await call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, colour: 'red' } });
  t.match(strict, { code: 400 });
  t.match(strict.json(), { reason: 'BadRequest', message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "colour"' });
});

t.test('when faults are set at run time, then requests see 429 with Retry-After, errors and cut watches; /metrics counts them', async (t) => {
  cluster.setFaults({ rateLimitQps: 1, rateLimitBurst: 1 });
  await call('GET', '/api/v1/namespaces/default/pods');
  const limited = await call('GET', '/api/v1/namespaces/default/pods');
  t.equal(limited.code, 429);
  t.equal(limited.headers['retry-after'], '1');
  t.match(limited.json(), { kind: 'Status', reason: 'TooManyRequests', details: { retryAfterSeconds: 1 } });

  cluster.setFaults({ errorRate: 1 });
  const failed = await call('GET', '/api/v1/namespaces/default/pods');
  t.ok(failed.code === 500 || failed.code === 503, `code ${failed.code}`);
  t.equal(failed.json().kind, 'Status');

  cluster.setFaults({ latencyMs: 150 });
  const start = Date.now();
  t.equal((await call('GET', '/api/v1/namespaces/default/pods')).code, 200);
  t.ok(Date.now() - start >= 140, 'latency added');

  cluster.setFaults({ dropWatchesAfterMs: 100 });
  const dropped = await call('GET', '/api/v1/namespaces/default/pods?watch=true').then(() => 'ended', (err: Error) => err.message);
  t.match(dropped, /aborted|socket hang up|ECONNRESET/);
  cluster.setFaults({});

  const metrics = await call('GET', '/metrics');
  t.match(metrics.headers['content-type'], 'text/plain');
  t.match(metrics.text, /apiserver_request_total\{code="429",resource="pods",verb="LIST"\} 1\n/);
  t.match(metrics.text, /apiserver_request_total\{code="201",resource="pods",verb="POST"\} \d+\n/);
  t.equal(cluster.metricsText().includes('apiserver_longrunning_requests'), true);
});
