// Conformance through @kubernetes/client-node: the typed API against a real startCluster over HTTPS.
import { request } from 'node:https';
import { ApiException, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';

let cluster: StartedCluster;
let core: CoreV1Api;
let kc: KubeConfig;

t.before(async () => {
  cluster = await startCluster({ mode: 'virtual' });
  kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
t.teardown(() => cluster.close());

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

/** The Status body of a failed call, whichever form client-node hands it over in. */
async function statusOf(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return typeof err.body === 'string' ? JSON.parse(err.body) : (err.body as Record<string, unknown>);
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** A raw request with the kubeconfig's own credentials, for bodies the typed client cannot produce. */
async function raw(method: string, path: string, body: string | Buffer, contentType = 'application/json'): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const opts: Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(path, cluster.url);
  return new Promise((resolve, reject) => {
    const req = request({ ...opts, method, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { 'Content-Type': contentType } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('when pods are created, read, updated and deleted, then each call answers as a real API server', async (t) => {
  const created = await core.createNamespacedPod({ namespace: 'default', body: pod('crud-a', { app: 'a' }) });
  t.equal(created.metadata?.name, 'crud-a');
  t.ok(created.metadata?.uid);
  t.equal(created.metadata?.generation, 1);
  const got = await core.readNamespacedPod({ namespace: 'default', name: 'crud-a' });
  t.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
  got.metadata!.labels = { app: 'a', extra: 'yes' };
  const updated = await core.replaceNamespacedPod({ namespace: 'default', name: 'crud-a', body: got });
  t.equal(updated.metadata?.labels?.extra, 'yes');
  t.not(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);

  const stale = await statusOf(core.replaceNamespacedPod({ namespace: 'default', name: 'crud-a', body: got }));
  t.match(stale, { kind: 'Status', code: 409, reason: 'Conflict', message: /the object has been modified/ });

  const deleted = await core.deleteNamespacedPod({ namespace: 'default', name: 'crud-a' });
  t.equal(deleted.metadata?.name, 'crud-a', 'pods answer DELETE with the object');
  t.match(await statusOf(core.readNamespacedPod({ namespace: 'default', name: 'crud-a' })), { code: 404, reason: 'NotFound', message: 'pods "crud-a" not found' });
});

t.test('when a configmap is created, patched and deleted, then DELETE answers a Success Status', async (t) => {
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cm-a' }, data: { k: 'v' } } });
  const dup = await statusOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cm-a' } } }));
  t.match(dup, { code: 409, reason: 'AlreadyExists' });
  const res = await raw('PATCH', '/api/v1/namespaces/default/configmaps/cm-a', JSON.stringify({ data: { k2: 'v2' } }), 'application/merge-patch+json');
  t.equal(res.code, 200);
  t.same((res.body as { data: unknown }).data, { k: 'v', k2: 'v2' });
  const status = await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'cm-a' });
  t.match(status, { kind: 'Status', status: 'Success', details: { name: 'cm-a', kind: 'configmaps' } });
});

t.test('when pods are listed with selectors and pages, then filters and continue tokens work', async (t) => {
  for (let i = 0; i < 5; i++) await core.createNamespacedPod({ namespace: 'default', body: pod(`list-${i}`, { set: 'list', parity: i % 2 ? 'odd' : 'even' }) });
  const odd = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'set=list,parity=odd' });
  t.same(odd.items.map((p) => p.metadata?.name).sort(), ['list-1', 'list-3']);
  const byName = await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=list-4' });
  t.same(byName.items.map((p) => p.metadata?.name), ['list-4']);
  const names: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const page = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'set=list', limit: 2, _continue: cont });
    names.push(...page.items.map((p) => p.metadata!.name!));
    cont = page.metadata?._continue || undefined;
    pages++;
  } while (cont);
  t.equal(pages, 3);
  t.same(names.sort(), ['list-0', 'list-1', 'list-2', 'list-3', 'list-4']);
  const all = await core.listPodForAllNamespaces({ labelSelector: 'set=list' });
  t.equal(all.items.length, 5);
  t.match(await statusOf(core.listNamespacedPod({ namespace: 'default', labelSelector: 'a in (b' })), { kind: 'Status', code: 400, reason: 'BadRequest' });
  t.match(await statusOf(core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.colour=red' })), { code: 400, message: /field label not supported: spec.colour/ });
});

t.test('when the body is malformed, of the wrong kind or too large, then the answer is a Status', async (t) => {
  const malformed = await raw('POST', '/api/v1/namespaces/default/pods', '{"kind": "Pod", ');
  t.equal(malformed.code, 400);
  t.match(malformed.body, { kind: 'Status', reason: 'BadRequest', message: /json parse error/ });

  const wrongKind = await statusOf(core.createNamespacedPod({ namespace: 'default', body: { ...pod('wrong'), kind: 'ConfigMap' } }));
  t.match(wrongKind, { code: 400, reason: 'BadRequest', message: 'ConfigMap in version "v1" cannot be handled as a Pod: converting (v1.ConfigMap) to (core.Pod): unknown conversion' });
  const wrongVersion = await raw('POST', '/api/v1/namespaces/default/pods', JSON.stringify({ ...pod('wrong'), apiVersion: 'v2' }));
  t.match(wrongVersion.body, { code: 400, message: 'the API version in the data (v2) does not match the expected API version (v1)' });

  const huge = await statusOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'huge' }, data: { k: 'x'.repeat(3 * 1024 * 1024 + 10) } } }));
  t.match(huge, { code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' });

  const badPatch = await raw('PATCH', '/api/v1/namespaces/default/configmaps/none', '{}', 'text/plain');
  t.match(badPatch, { code: 415, body: { reason: 'UnsupportedMediaType' } });
  const wrongMethod = await raw('PUT', '/api/v1/namespaces/default/pods', '{}');
  t.match(wrongMethod, { code: 405, body: { reason: 'MethodNotAllowed' } });
  const unknownPath = await raw('GET', '/api/v1/namespaces/default/widgets', '');
  t.match(unknownPath, { code: 404, body: { kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' } });
});

t.test('when a request has no credentials, then it is answered 401, but /healthz and /version stay public', async (t) => {
  const anon = new KubeConfig();
  anon.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.url, caData: Buffer.from(cluster.caPem).toString('base64') }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'nobody' }],
    currentContext: 'c',
  });
  const failure = await anon.makeApiClient(CoreV1Api).listNamespace().then(() => undefined, (err: unknown) => err);
  t.equal((failure as ApiException<unknown>).code, 401);
  // client-node drops 401 bodies; the Status itself is checked on the wire.
  const status = await fetchPublic('/api/v1/namespaces', 401);
  t.match(JSON.parse(status), { kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
  const withToken = new KubeConfig();
  withToken.loadFromOptions({ ...anon, users: [{ name: 'nobody', token: cluster.token }], clusters: anon.clusters, contexts: anon.contexts, currentContext: 'c' });
  const namespaces = await withToken.makeApiClient(CoreV1Api).listNamespace();
  t.ok(namespaces.items.some((n) => n.metadata?.name === 'default'), 'the bearer token authenticates');
  const health = await fetchPublic('/healthz');
  t.equal(health, 'ok');
  t.match(JSON.parse(await fetchPublic('/version')), { major: '1', gitVersion: /^v1\./ });
});

function fetchPublic(path: string, expectCode = 200): Promise<string> {
  const url = new URL(path, cluster.url);
  return new Promise((resolve, reject) => {
    request({ hostname: url.hostname, port: url.port, path: url.pathname, ca: cluster.caPem }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === expectCode ? resolve(text) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    }).on('error', reject).end();
  });
}

t.test('when a write is a dry run, then the answer is the object but nothing is stored', async (t) => {
  const res = await raw('POST', '/api/v1/namespaces/default/pods?dryRun=All', JSON.stringify(pod('dry')));
  t.equal(res.code, 201);
  t.match(await statusOf(core.readNamespacedPod({ namespace: 'default', name: 'dry' })), { code: 404 });
  t.match(res.headers, { 'audit-id': /^[0-9a-f-]{36}$/ });
});

t.test('when a pod reads kube-root-ca.crt, then it holds the CA that signs the server certificate', async (t) => {
  const cm = await core.readNamespacedConfigMap({ namespace: 'default', name: 'kube-root-ca.crt' });
  t.equal(cm.data?.['ca.crt'], cluster.caPem);
});
