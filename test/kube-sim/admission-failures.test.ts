// createAdmission when webhooks fail: unreachable, slow, malformed answers, untrusted TLS, unresolvable
// services and broken patches, each under failurePolicy Fail and Ignore.
import t from 'tap';
import { createAdmission } from '../../infra/kube-sim/admission.js';
import { pods } from '../../infra/kube-sim/resources.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { describeHttpFailure } from '../../infra/kube-sim/webhook-client.js';
import { b64, startHttpsServer } from './webhook-fixtures.js';
import { allow, attrs, config, fakeApi, newPod, patchOf, rejection, review, startAdmissionHarness, teamA } from './admission-fixtures.js';

const { ca, serverPem, caBundle, server, behaviours, hook } = await startAdmissionHarness();
t.teardown(() => server.close());

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
  // A caller that waited for the 1.5 s answer would have been allowed; the rejection is the deadline.
  const err = await rejection(createAdmission(fakeApi({ mutating: [config('m', [slow])], namespaces: [teamA] })).mutate(attrs()));
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
  const plain = hook('http.podferry.io', '', { clientConfig: { url: 'http://127.0.0.1:1/admission' } });
  const httpErr = await rejection(createAdmission(fakeApi({ validating: [config('p', [plain])], namespaces: [teamA] })).validate(attrs()));
  t.match(httpErr.message, /'https' is the only allowed URL scheme$/);
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
