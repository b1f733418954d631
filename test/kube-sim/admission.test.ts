// createAdmission against real HTTPS webhooks on 127.0.0.1: what the webhooks receive, and how their
// answers (allow, deny, patch) reach the request. Failures are in admission-failures.test.ts.
import t from 'tap';
import { createAdmission } from '../../infra/kube-sim/admission.js';
import { validatingWebhookConfigurations } from '../../infra/kube-sim/resources.js';
import { startHttpsServer } from './webhook-fixtures.js';
import { allow, attrs, config, fakeApi, newPod, patchOf, rejection, review, startAdmissionHarness, teamA } from './admission-fixtures.js';

const { ca, serverPem, caBundle, server, behaviours, seen, hook } = await startAdmissionHarness();
t.teardown(() => server.close());

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

t.test('when several validating webhooks are slow, then they are called in parallel', async (t) => {
  // Each answer waits 300 ms; called one after the other, the second would arrive after the first answer.
  const arrived: Record<string, number> = {};
  behaviours.set('/p1', (r) => { arrived.p1 = performance.now(); return { body: review(r, { allowed: true }), delayMs: 300 }; });
  behaviours.set('/p2', (r) => { arrived.p2 = performance.now(); return { body: review(r, { allowed: true }), delayMs: 300 }; });
  const admission = createAdmission(fakeApi({ validating: [config('p', [hook('p1.podferry.io', '/p1'), hook('p2.podferry.io', '/p2')])], namespaces: [teamA] }));
  await admission.validate(attrs());
  t.ok(Math.abs(arrived.p1 - arrived.p2) < 300, 'both webhooks were called before either answered');
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
