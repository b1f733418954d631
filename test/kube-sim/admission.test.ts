// createAdmission against real HTTPS webhooks on 127.0.0.1. The configurations and namespaces come from
// a tiny in-test Api (list + get only), which is all admission reads.
import t from 'tap';
import { createAdmission } from '../../infra/kube-sim/admission.js';
import { KubeError, notFound } from '../../infra/kube-sim/errors.js';
import { mutatingWebhookConfigurations, namespaces, pods, validatingWebhookConfigurations } from '../../infra/kube-sim/resources.js';
import type { AdmissionAttributes, Api, KubeObject } from '../../infra/kube-sim/types.js';
import { describeHttpFailure } from '../../infra/kube-sim/webhook-client.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { b64, startHttpsServer, type Received, type Reply } from './webhook-fixtures.js';

const ca = await createCertificateAuthority('webhook-ca');
const serverPem = await ca.issueServerCert(['127.0.0.1', 'localhost']);
const caBundle = b64(ca.certPem);

type Behaviour = (r: Received) => Reply;
const allow: Behaviour = (r) => ({ body: review(r, { allowed: true }) });
function review(r: Received, response: Record<string, unknown>) {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: r.body.request.uid, ...response } };
}
const patchOf = (ops: unknown[]) => ({ patchType: 'JSONPatch', patch: b64(JSON.stringify(ops)) });

const behaviours = new Map<string, Behaviour>();
const server = await startHttpsServer(serverPem, (r) => {
  const path = r.path.split('?')[0];
  return (behaviours.get(path) ?? allow)(r);
});
t.teardown(() => server.close());
const seen = (path: string) => server.received.filter((r) => r.path.split('?')[0] === path);

function fakeApi(state: { mutating?: KubeObject[]; validating?: KubeObject[]; namespaces?: KubeObject[] }): Api {
  const unused = () => { throw new Error('not used by admission'); };
  return {
    resourceFor: unused,
    get(resource, _ns, name) {
      const found = resource === namespaces ? state.namespaces?.find((n) => n.metadata.name === name) : undefined;
      if (!found) throw notFound(resource.plural, resource.group, name);
      return found;
    },
    list(resource) {
      const items = resource === mutatingWebhookConfigurations ? state.mutating ?? []
        : resource === validatingWebhookConfigurations ? state.validating ?? [] : [];
      return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items };
    },
    create: unused, update: unused, patch: unused, delete: unused, deleteCollection: unused, watch: unused,
    currentResourceVersion: () => '1',
  } as Api;
}

function hook(name: string, path: string, over: Record<string, unknown> = {}) {
  return {
    name,
    clientConfig: { url: `${server.url}${path}`, caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE', 'DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/status'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...over,
  };
}
const config = (name: string, webhooks: unknown[]): KubeObject => ({ metadata: { name }, webhooks });

const user = { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] };
const newPod = (labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-a', labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] },
});
function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return { operation: 'CREATE', resource: pods, namespace: 'team-a', name: 'web', object: newPod(), options: { fieldManager: 'kubectl-create' }, dryRun: false, user, ...over };
}
const teamA = { metadata: { name: 'team-a', labels: { tier: 'apps' } } };

async function rejection(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KubeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

t.test('when a pod is created, then the validating webhook receives a complete AdmissionReview v1', async (t) => {
  server.received.length = 0;
  const admission = createAdmission(fakeApi({ validating: [config('policy', [hook('check.podferry.io', '/create')])], namespaces: [teamA] }));
  await admission.validate(attrs());
  const [call] = seen('/create');
  t.equal(call.path, '/create?timeout=10s', 'client-go sends the deadline as a query parameter');
  t.match(call.headers['content-type'], /^application\/json/);
  t.same(Object.keys(call.body.request), ['uid', 'kind', 'resource', 'requestKind', 'requestResource', 'name', 'namespace', 'operation', 'userInfo', 'object', 'oldObject', 'dryRun', 'options']);
  t.match(call.body, {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: /^[0-9a-f-]{36}$/,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: 'web', namespace: 'team-a', operation: 'CREATE',
      userInfo: { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] },
      object: { kind: 'Pod', metadata: { name: 'web' } },
      oldObject: null, dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-create' },
    },
  });
});

t.test('when a pod status is updated and a pod is deleted, then subResource, oldObject and options follow the operation', async (t) => {
  server.received.length = 0;
  const onlyPods = hook('pods-only.podferry.io', '/pods-only', { rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] });
  const withStatus = hook('status.podferry.io', '/status');
  const admission = createAdmission(fakeApi({ validating: [config('a', [onlyPods, withStatus])], namespaces: [teamA] }));
  const old = { ...newPod(), metadata: { ...newPod().metadata, uid: 'p-1', resourceVersion: '7' } };
  await admission.validate(attrs({ operation: 'UPDATE', subresource: 'status', object: { ...old, status: { phase: 'Running' } }, oldObject: old, options: {} }));
  t.equal(seen('/pods-only').length, 0, 'a rule on "pods" does not reach pods/status');
  const [update] = seen('/status');
  t.match(update.body.request, { subResource: 'status', requestSubResource: 'status', operation: 'UPDATE', oldObject: { metadata: { uid: 'p-1' } }, options: { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1' } });

  await admission.validate(attrs({ operation: 'DELETE', object: undefined, oldObject: old, options: { gracePeriodSeconds: 0 } }));
  const [del] = seen('/pods-only');
  t.match(del.body.request, { operation: 'DELETE', object: null, oldObject: { metadata: { uid: 'p-1' } }, options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', gracePeriodSeconds: 0 } });
  t.notOk('subResource' in del.body.request);
});

t.test('when a webhook denies, then the client gets the real message, its code and reason, and warnings', async (t) => {
  behaviours.set('/deny', (r) => ({ body: review(r, { allowed: false, warnings: ['image tag latest is discouraged'], status: { code: 403, reason: 'Forbidden', message: 'privileged pods are not allowed' } }) }));
  behaviours.set('/deny-bare', (r) => ({ body: review(r, { allowed: false }) }));
  const a = attrs();
  const denied = await rejection(createAdmission(fakeApi({ validating: [config('p', [hook('deny.podferry.io', '/deny')])], namespaces: [teamA] })).validate(a));
  t.equal(denied.code, 403);
  t.equal(denied.reason, 'Forbidden');
  t.equal(denied.message, 'admission webhook "deny.podferry.io" denied the request: privileged pods are not allowed');
  t.same(a.warnings, ['image tag latest is discouraged']);

  const bare = await rejection(createAdmission(fakeApi({ validating: [config('p', [hook('bare.podferry.io', '/deny-bare')])], namespaces: [teamA] })).validate(attrs()));
  t.equal(bare.code, 400, 'a denial without a code is forced to at least 400');
  t.equal(bare.status.status, 'Failure');
  t.equal(bare.message, 'admission webhook "bare.podferry.io" denied the request without explanation');
  t.notOk('reason' in bare.status);
});

t.test('when mutating webhooks patch, then they run in configuration-name order on the patched object', async (t) => {
  server.received.length = 0;
  behaviours.set('/add-label', (r) => ({ body: review(r, { allowed: true, ...patchOf([{ op: 'add', path: '/metadata/labels/injected', value: 'yes' }]) }) }));
  behaviours.set('/add-annotation', (r) => ({ body: review(r, { allowed: true, ...patchOf([{ op: 'add', path: '/metadata/annotations', value: { seen: r.body.request.object.metadata.labels.injected ?? 'no' } }]) }) }));
  const admission = createAdmission(fakeApi({
    mutating: [config('b-second', [hook('annotate.podferry.io', '/add-annotation')]), config('a-first', [hook('label.podferry.io', '/add-label')])],
    namespaces: [teamA],
  }));
  const a = attrs();
  const out = await admission.mutate(a);
  t.same(out?.metadata.labels, { injected: 'yes' });
  t.same(out?.metadata.annotations, { seen: 'yes' }, 'the second webhook saw the first one\'s patch');
  t.same(a.object?.metadata.labels, {}, 'the caller\'s object is not mutated in place');
});

t.test('when a later webhook changes the object, then an IfNeeded webhook is called once more', async (t) => {
  server.received.length = 0;
  behaviours.set('/idempotent', (r) => ({ body: review(r, { allowed: true }) }));
  behaviours.set('/changer', (r) => ({ body: review(r, { allowed: true, ...patchOf([{ op: 'add', path: '/metadata/labels/changed', value: 'true' }]) }) }));
  const admission = createAdmission(fakeApi({
    mutating: [config('a', [hook('idem.podferry.io', '/idempotent', { reinvocationPolicy: 'IfNeeded' }), hook('change.podferry.io', '/changer')])],
    namespaces: [teamA],
  }));
  await admission.mutate(attrs());
  const calls = seen('/idempotent');
  t.equal(calls.length, 2);
  t.equal(calls[1].body.request.object.metadata.labels.changed, 'true');
  t.equal(seen('/changer').length, 1, 'only IfNeeded webhooks are reinvoked');
});

t.test('when a webhook cannot be reached, then Fail rejects with 500 and Ignore lets the request through', async (t) => {
  const dead = await startHttpsServer(serverPem, allow);
  const deadUrl = `${dead.url}/gone`;
  await dead.close();
  const failing = hook('closed.podferry.io', '', { clientConfig: { url: deadUrl, caBundle } });
  const err = await rejection(createAdmission(fakeApi({ validating: [config('p', [failing])], namespaces: [teamA] })).validate(attrs()));
  t.equal(err.code, 500);
  t.equal(err.reason, 'InternalError');
  t.equal(err.message, `Internal error occurred: failed calling webhook "closed.podferry.io": failed to call webhook: Post "${deadUrl}?timeout=10s": dial tcp 127.0.0.1:${dead.port}: connect: connection refused`);
  const open = { ...failing, name: 'open.podferry.io', failurePolicy: 'Ignore' };
  await createAdmission(fakeApi({ validating: [config('p', [open])], mutating: [config('m', [open])], namespaces: [teamA] })).validate(attrs());
  t.ok(await createAdmission(fakeApi({ mutating: [config('m', [open])], namespaces: [teamA] })).mutate(attrs()));
});

t.test('when a webhook is slower than timeoutSeconds, then the call fails with context deadline exceeded', async (t) => {
  behaviours.set('/slow', (r) => ({ body: review(r, { allowed: true }), delayMs: 1500 }));
  const slow = hook('slow.podferry.io', '/slow', { timeoutSeconds: 1 });
  const started = Date.now();
  const err = await rejection(createAdmission(fakeApi({ mutating: [config('m', [slow])], namespaces: [teamA] })).mutate(attrs()));
  t.ok(Date.now() - started < 1400, 'gave up at the deadline');
  t.equal(err.message, `Internal error occurred: failed calling webhook "slow.podferry.io": failed to call webhook: Post "${server.url}/slow?timeout=1s": context deadline exceeded`);
  await createAdmission(fakeApi({ mutating: [config('m', [{ ...slow, failurePolicy: 'Ignore' }])], namespaces: [teamA] })).mutate(attrs());
});

t.test('when a response is malformed, then it is a call failure, not a denial', async (t) => {
  behaviours.set('/wrong-uid', () => ({ body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'nope', allowed: false } } }));
  behaviours.set('/wrong-kind', (r) => ({ body: { ...review(r, { allowed: true }), apiVersion: 'admission.k8s.io/v1beta1' } }));
  behaviours.set('/patch-from-validator', (r) => ({ body: review(r, { allowed: true, ...patchOf([]) }) }));
  behaviours.set('/http-500', () => ({ status: 500, body: 'boom', contentType: 'text/plain' }));
  const cases: Array<[string, string]> = [
    ['/wrong-uid', 'received invalid webhook response: expected response.uid="'],
    ['/wrong-kind', 'received invalid webhook response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview'],
    ['/patch-from-validator', 'received invalid webhook response: validating webhook may not return response.patch'],
    ['/http-500', 'failed to call webhook: an error on the server ("boom") has prevented the request from succeeding'],
  ];
  for (const [path, text] of cases) {
    const err = await rejection(createAdmission(fakeApi({ validating: [config('p', [hook('x.podferry.io', path)])], namespaces: [teamA] })).validate(attrs()));
    t.equal(err.code, 500, path);
    t.ok(err.message.startsWith(`Internal error occurred: failed calling webhook "x.podferry.io": ${text}`), err.message);
    await createAdmission(fakeApi({ validating: [config('p', [hook('x.podferry.io', path, { failurePolicy: 'Ignore' })])], namespaces: [teamA] })).validate(attrs());
  }
});

t.test('when the request is a dry run, then only side-effect-free webhooks are called', async (t) => {
  server.received.length = 0;
  const unsafe = hook('unsafe.podferry.io', '/dry', { sideEffects: 'Some' });
  const err = await rejection(createAdmission(fakeApi({ validating: [config('p', [unsafe])], namespaces: [teamA] })).validate(attrs({ dryRun: true })));
  t.equal(err.code, 400);
  t.equal(err.reason, 'BadRequest');
  t.equal(err.message, 'admission webhook "unsafe.podferry.io" does not support dry run');
  t.equal(seen('/dry').length, 0);
  await rejection(createAdmission(fakeApi({ validating: [config('p', [{ ...unsafe, failurePolicy: 'Ignore' }])], namespaces: [teamA] })).validate(attrs({ dryRun: true })));
  await createAdmission(fakeApi({ validating: [config('p', [hook('safe.podferry.io', '/dry', { sideEffects: 'NoneOnDryRun' })])], namespaces: [teamA] })).validate(attrs({ dryRun: true }));
  t.equal(seen('/dry')[0].body.request.dryRun, true);
});

t.test('when selectors exclude a request, then the webhook is not called; a missing namespace is a 404', async (t) => {
  server.received.length = 0;
  const byNamespace = hook('ns.podferry.io', '/sel', { namespaceSelector: { matchLabels: { tier: 'apps' } } });
  const byObject = hook('obj.podferry.io', '/sel', { objectSelector: { matchExpressions: [{ key: 'sync', operator: 'In', values: ['on'] }] } });
  const teamB = { metadata: { name: 'team-b', labels: {} } };
  const api = fakeApi({ validating: [config('p', [byNamespace, byObject])], namespaces: [teamA, teamB] });
  const admission = createAdmission(api);
  await admission.validate(attrs({ namespace: 'team-b', object: newPod() }));
  t.equal(seen('/sel').length, 0, 'neither selector matches');
  await admission.validate(attrs({ namespace: 'team-b', operation: 'DELETE', object: undefined, oldObject: newPod({ sync: 'on' }) }));
  t.equal(seen('/sel').length, 1, 'objectSelector matched the old object');
  await admission.validate(attrs());
  t.equal(seen('/sel').length, 2, 'namespaceSelector matched team-a labels');
  const missing = await rejection(admission.validate(attrs({ namespace: 'nowhere' })));
  t.equal(missing.code, 404);
  t.equal(missing.message, 'namespaces "nowhere" not found');
});

t.test('when TLS cannot be verified, then the call fails as Go reports it', async (t) => {
  const other = await createCertificateAuthority('other-ca');
  const wrongCa = hook('tls.podferry.io', '/tls', { clientConfig: { url: `${server.url}/tls`, caBundle: b64(other.certPem) } });
  const err = await rejection(createAdmission(fakeApi({ validating: [config('p', [wrongCa])] })).validate(attrs({ namespace: undefined, resource: { ...pods, namespaced: false } })));
  t.match(err.message, /failed to call webhook: Post ".*": tls: failed to verify certificate: x509: certificate signed by unknown authority$/);
  const localhostOnly = await startHttpsServer(await ca.issueServerCert(['localhost']), allow);
  t.teardown(() => localhostOnly.close());
  const wrongHost = hook('host.podferry.io', '', { clientConfig: { url: `${localhostOnly.url}/x`, caBundle } });
  const hostErr = await rejection(createAdmission(fakeApi({ validating: [config('p', [wrongHost])], namespaces: [teamA] })).validate(attrs()));
  t.match(hostErr.message, /tls: failed to verify certificate: x509: cannot validate certificate for 127\.0\.0\.1 because it doesn't contain any IP SANs$/);
  const byName = hook('name.podferry.io', '', { clientConfig: { url: `https://localhost:${localhostOnly.port}/x`, caBundle } });
  await createAdmission(fakeApi({ validating: [config('p', [byName])], namespaces: [teamA] })).validate(attrs());
});

t.test('when a webhook names a service, then the call fails because the simulator has no cluster DNS', async (t) => {
  const svc = hook('svc.podferry.io', '', { clientConfig: { service: { namespace: 'podferry', name: 'webhook', path: '/admission' }, caBundle } });
  const err = await rejection(createAdmission(fakeApi({ validating: [config('p', [svc])], namespaces: [teamA] })).validate(attrs()));
  t.equal(err.message, 'Internal error occurred: failed calling webhook "svc.podferry.io": failed to call webhook: Post "https://webhook.podferry.svc:443/admission?timeout=10s": dial tcp: lookup webhook.podferry.svc: no such host');
});

t.test('when several validating webhooks are slow, then they are called in parallel', async (t) => {
  behaviours.set('/p1', (r) => ({ body: review(r, { allowed: true }), delayMs: 300 }));
  behaviours.set('/p2', (r) => ({ body: review(r, { allowed: true }), delayMs: 300 }));
  const admission = createAdmission(fakeApi({ validating: [config('p', [hook('p1.podferry.io', '/p1'), hook('p2.podferry.io', '/p2')])], namespaces: [teamA] }));
  const started = Date.now();
  await admission.validate(attrs());
  t.ok(Date.now() - started < 550, `took ${Date.now() - started} ms`);
});

t.test('when the object is a webhook configuration, then no webhook is called for it', async (t) => {
  server.received.length = 0;
  const everything = hook('all.podferry.io', '/all', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }] });
  const admission = createAdmission(fakeApi({ validating: [config('p', [everything])], mutating: [config('m', [everything])] }));
  const cfg = config('x', []);
  await admission.mutate(attrs({ resource: validatingWebhookConfigurations, namespace: undefined, name: 'x', object: cfg }));
  await admission.validate(attrs({ resource: validatingWebhookConfigurations, namespace: undefined, name: 'x', object: cfg }));
  t.equal(seen('/all').length, 0);
});

t.test('when admission has client credentials, then every webhook call presents them', async (t) => {
  const mtls = await startHttpsServer({ ...serverPem, caPem: ca.certPem }, allow);
  t.teardown(() => mtls.close());
  const client = await ca.issueClientCert('kube-apiserver', ['system:masters']);
  const api = fakeApi({ validating: [config('p', [hook('mtls.podferry.io', '', { clientConfig: { url: `${mtls.url}/admission`, caBundle } })])], namespaces: [teamA] });
  await createAdmission(api, { credentials: { clientCertPem: client.certPem, clientKeyPem: client.keyPem } }).validate(attrs());
  t.equal(mtls.received[0].clientCertCn, 'kube-apiserver');
  t.equal(mtls.received[0].headers['user-agent'], 'kube-apiserver-admission');
});

t.test('when a webhook answers non-2xx, then the failure is worded as client-go words it', async (t) => {
  const table: Array<[number, string, string, string]> = [
    [404, 'text/plain', '404 page not found', 'the server could not find the requested resource'],
    [500, 'text/plain', 'boom\n', 'an error on the server ("boom") has prevented the request from succeeding'],
    [502, 'application/json', '{"x":1}', 'an error on the server ("unknown") has prevented the request from succeeding'],
    [403, 'text/plain', 'go away', 'go away'],
    [401, 'text/plain', '', 'the server has asked for the client to provide credentials'],
    [503, 'text/plain', '', 'the server is currently unable to handle the request'],
    [418, 'text/plain', 'teapot', 'the server responded with the status code 418 but did not return more information'],
    [422, 'application/json', JSON.stringify({ kind: 'Status', message: 'bad review' }), 'bad review'],
  ];
  for (const [status, type, body, want] of table) t.equal(describeHttpFailure(status, type, body), want, String(status));
});

t.test('when a patch cannot be applied or breaks the object, then the request fails with 500 whatever the failurePolicy', async (t) => {
  behaviours.set('/bad-patch', (r) => ({ body: review(r, { allowed: true, ...patchOf([{ op: 'replace', path: '/spec/nothing/here', value: 1 }]) }) }));
  behaviours.set('/kind-patch', (r) => ({ body: review(r, { allowed: true, ...patchOf([{ op: 'replace', path: '/kind', value: 'Service' }]) }) }));
  for (const path of ['/bad-patch', '/kind-patch']) {
    const admission = createAdmission(fakeApi({ mutating: [config('m', [hook('p.podferry.io', path, { failurePolicy: 'Ignore' })])], namespaces: [teamA] }));
    const err = await rejection(admission.mutate(attrs()));
    t.equal(err.code, 500, path);
    t.equal(err.reason, 'InternalError');
  }
  behaviours.set('/delete-patch', (r) => ({ body: review(r, { allowed: true, ...patchOf([{ op: 'add', path: '/x', value: 1 }]) }) }));
  const del = await rejection(createAdmission(fakeApi({ mutating: [config('m', [hook('d.podferry.io', '/delete-patch')])], namespaces: [teamA] }))
    .mutate(attrs({ operation: 'DELETE', object: undefined, oldObject: newPod() })));
  t.equal(del.message, 'Internal error occurred: admission webhook "d.podferry.io" attempted to modify the object, which is not supported for this operation');
});
