// createAdmission wired into the real in-process Api: webhook configurations are created through the
// Api itself, and writes reach real HTTPS webhooks in the order a kube-apiserver calls them.
import t from 'tap';
import { createAdmission } from '../../infra/kube-sim/admission.js';
import { createApi } from '../../infra/kube-sim/api.js';
import { KubeError } from '../../infra/kube-sim/errors.js';
import { mutatingWebhookConfigurations, namespaces, pods, validatingWebhookConfigurations } from '../../infra/kube-sim/resources.js';
import type { KubeObject, WriteOptions } from '../../infra/kube-sim/types.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { b64, startHttpsServer, type Received } from './webhook-fixtures.js';

const ca = await createCertificateAuthority('webhook-ca');
const server = await startHttpsServer(await ca.issueServerCert(['127.0.0.1']), (r: Received) => {
  const request = r.body.request;
  const path = r.path.split('?')[0];
  const response: Record<string, unknown> = { uid: request.uid, allowed: true };
  if (path === '/mutate' && request.operation === 'CREATE') {
    response.patchType = 'JSONPatch';
    response.patch = b64(JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { 'podferry.io/seen': 'true' } }]));
  }
  if (path === '/validate' && request.object?.spec?.containers?.[0]?.image === 'forbidden') {
    response.allowed = false;
    response.status = { code: 403, reason: 'Forbidden', message: 'image "forbidden" is not allowed' };
    response.warnings = ['pick another image'];
  }
  return { body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response } };
});
t.teardown(() => server.close());
const calls = (path: string) => server.received.filter((r) => r.path.startsWith(`${path}?`)).map((r) => r.body.request);

const admin: WriteOptions = { dryRun: false, user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] } };
const api = createApi();
api.setAdmission(createAdmission(api));
const webhook = (name: string, path: string) => ({
  name, clientConfig: { url: `${server.url}${path}`, caBundle: b64(ca.certPem) }, sideEffects: 'None', admissionReviewVersions: ['v1'],
  rules: [{ operations: ['CREATE', 'DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
});
await api.create(namespaces, undefined, { metadata: { name: 'team-a' } }, admin);
await api.create(mutatingWebhookConfigurations, undefined, { metadata: { name: 'podferry-mutate' }, webhooks: [webhook('mutate.podferry.io', '/mutate')] } as KubeObject, admin);
await api.create(validatingWebhookConfigurations, undefined, { metadata: { name: 'podferry' }, webhooks: [webhook('validate.podferry.io', '/validate')] } as KubeObject, admin);

const podBody = (image: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'c', image }] } });

t.test('when a pod is created with generateName, then mutating sees no name or uid and validating sees both', async (t) => {
  const created = await api.create(pods, 'team-a', podBody('nginx'), admin);
  t.equal(created.metadata.labels?.['podferry.io/seen'], 'true', 'the mutating patch was stored');
  const [mutating] = calls('/mutate');
  const [validating] = calls('/validate');
  t.notOk('name' in mutating, 'request.name is empty before the name is generated');
  t.notOk(mutating.object.metadata.uid);
  t.equal(validating.name, created.metadata.name);
  t.equal(validating.object.metadata.uid, created.metadata.uid);
  t.equal(validating.object.metadata.labels['podferry.io/seen'], 'true', 'validation sees the mutated pod');
  t.match(validating.options, { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
});

t.test('when the validating webhook denies, then the Api write fails with its Status and nothing is stored', async (t) => {
  const before = api.list(pods, 'team-a', {}).items.length;
  const opts: WriteOptions = { ...admin, warnings: [] };
  const err = await api.create(pods, 'team-a', podBody('forbidden'), opts).catch((e: unknown) => e);
  t.ok(err instanceof KubeError);
  t.equal((err as KubeError).code, 403);
  t.equal((err as KubeError).message, 'admission webhook "validate.podferry.io" denied the request: image "forbidden" is not allowed');
  t.same(opts.warnings, ['pick another image']);
  t.equal(api.list(pods, 'team-a', {}).items.length, before);
});

t.test('when a pod is deleted, then the webhooks get DELETE with the stored pod as oldObject', async (t) => {
  const created = await api.create(pods, 'team-a', podBody('nginx'), admin);
  await api.delete(pods, 'team-a', created.metadata.name!, { gracePeriodSeconds: 0 }, admin);
  const del = calls('/validate').find((r) => r.operation === 'DELETE');
  t.match(del, { name: created.metadata.name, namespace: 'team-a', object: null, oldObject: { metadata: { uid: created.metadata.uid } }, options: { kind: 'DeleteOptions', gracePeriodSeconds: 0 } });
});
