// Each verb and subresource through the HTTP layer, and the request-level checks the real handlers make
// before storage: scope, subresource, method, name on the URL, apply's fieldManager, DeleteOptions bodies.
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

function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ code: number; text: string; body: any }> {
  const url = new URL(path, cluster.url);
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  // Node sends DELETE/OPTIONS bodies without framing unless told the length.
  const headers: Record<string, string | number> = { 'Content-Type': contentType };
  if (payload) headers['Content-Length'] = payload.length;
  return new Promise((resolve, reject) => {
    const req = https.request({ agent, method, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const PODS = '/api/v1/namespaces/default/pods';

t.test('when a path does not fit the resource, then 404 or 405 as the real router answers', async (t) => {
  const cases: Array<[string, string, number]> = [
    ['GET', '/api/v1/namespaces/default/nodes', 404], // cluster-scoped type under a namespace
    ['GET', '/api/v1/pods/x', 404], // namespaced item without a namespace
    ['POST', '/api/v1/pods', 404],
    ['GET', `${PODS}/x/log`, 404], // subresource not served
    ['DELETE', `${PODS}/x/status`, 405],
    ['POST', `${PODS}/x`, 405],
    ['PUT', PODS, 405],
    ['PATCH', PODS, 405],
    ['OPTIONS', PODS, 405],
    ['GET', '/apis/apps/v1/namespaces/default/daemonsets', 404], // a group that is served, a type that is not
    ['GET', '/nothing/here', 404],
  ];
  for (const [method, path, code] of cases) {
    const res = await call(method, path, method === 'GET' ? undefined : '{}');
    t.equal(res.code, code, `${method} ${path}`);
    t.equal(res.body?.kind, 'Status', `${method} ${path} answers a Status`);
  }
});

t.test('when status and binding subresources are written, then only their part changes', async (t) => {
  t.equal((await call('POST', PODS, pod('sub'))).code, 201);
  const status = await call('GET', `${PODS}/sub/status`);
  t.equal(status.code, 200);
  const patched = await call('PATCH', `${PODS}/sub/status`, { status: { phase: 'Running' } }, 'application/merge-patch+json');
  t.equal(patched.code, 200);
  t.equal(patched.body.status.phase, 'Running');
  const current = (await call('GET', `${PODS}/sub`)).body;
  current.status.message = 'via PUT';
  t.equal((await call('PUT', `${PODS}/sub/status`, current)).body.status.message, 'via PUT');
  const binding = await call('POST', `${PODS}/sub/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'sub' }, target: { kind: 'Node', name: 'n1' } });
  t.equal(binding.code, 201);
  t.equal((await call('GET', `${PODS}/sub`)).body.spec.nodeName, 'n1');
});

t.test('when a PUT names another object than its URL, then 400 with the real message', async (t) => {
  const current = (await call('GET', `${PODS}/sub`)).body;
  const res = await call('PUT', `${PODS}/other`, current);
  t.match(res, { code: 400, body: { message: 'the name of the object (sub) does not match the name on the URL (other)' } });
  const pretty = await call('GET', `${PODS}/sub?pretty=true`);
  t.match(pretty.text, /^\{\n {2}"kind": "Pod",/);
});

t.test('when server-side apply is used, then fieldManager is required and a missing object is created with 201', async (t) => {
  const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: b\n';
  const missing = await call('PATCH', '/api/v1/namespaces/default/configmaps/ssa', manifest, 'application/apply-patch+yaml');
  t.match(missing, { code: 422, body: { reason: 'Invalid', message: /fieldManager: Required value/ } });
  const created = await call('PATCH', '/api/v1/namespaces/default/configmaps/ssa?fieldManager=test', manifest, 'application/apply-patch+yaml');
  t.equal(created.code, 201);
  t.same(created.body.data, { a: 'b' });
});

t.test('when deletes carry DeleteOptions or select a collection, then they are honoured', async (t) => {
  await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'keep', labels: { set: 'x' } } });
  const dry = await call('DELETE', '/api/v1/namespaces/default/configmaps/keep', { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] });
  t.equal(dry.code, 200);
  t.equal((await call('GET', '/api/v1/namespaces/default/configmaps/keep')).code, 200, 'a dry-run delete keeps the object');
  const precondition = await call('DELETE', '/api/v1/namespaces/default/configmaps/keep', { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } });
  t.match(precondition, { code: 409, body: { reason: 'Conflict' } });
  await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'also', labels: { set: 'x' } } });
  const collection = await call('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=set%3Dx');
  t.equal(collection.code, 200);
  t.same(collection.body.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort(), ['also', 'keep']);
  t.equal((await call('GET', '/api/v1/namespaces/default/configmaps/keep')).code, 404);
  const badBody = await call('DELETE', '/api/v1/namespaces/default/configmaps/none', { kind: 'Pod' });
  t.equal(badBody.code, 400);
});

t.test('when a namespace is finalized through its subresource, then the finalize PUT is served', async (t) => {
  t.equal((await call('POST', '/api/v1/namespaces', { metadata: { name: 'fin' } })).code, 201);
  const ns = (await call('GET', '/api/v1/namespaces/fin')).body;
  ns.spec.finalizers = [];
  const res = await call('PUT', '/api/v1/namespaces/fin/finalize', ns);
  t.equal(res.code, 200);
  t.same(res.body.spec.finalizers ?? [], []);
});

t.test('when access reviews are posted as JSON, then the spec is echoed and allowed, and the caller is named', async (t) => {
  const spec = { resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' } };
  const access = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec });
  t.equal(access.code, 201);
  t.match(access.body, { kind: 'SelfSubjectAccessReview', spec, status: { allowed: true } });
  const who = await call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  t.match(who.body, { status: { userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] } } });
  const groups = (await call('GET', '/apis')).body.groups.map((g: { name: string }) => g.name);
  t.same(groups, ['admissionregistration.k8s.io', 'discovery.k8s.io', 'storage.k8s.io', 'apps', 'batch', 'authentication.k8s.io', 'authorization.k8s.io']);
});
