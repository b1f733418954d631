// Test-only: one HTTPS webhook server whose answer is chosen per path, and builders for webhook
// configurations and admission attributes. Admission is driven through a tiny Api (list + get only),
// which is all admission reads; admission-api.test.ts covers the real Api.
import { KubeError, notFound } from '../../infra/kube-sim/errors.js';
import { mutatingWebhookConfigurations, namespaces, pods, validatingWebhookConfigurations } from '../../infra/kube-sim/resources.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import type { AdmissionAttributes, Api, KubeObject } from '../../infra/kube-sim/types.js';
import { b64, startHttpsServer, type Received, type Reply } from './webhook-fixtures.js';

export type Behaviour = (r: Received) => Reply;

export function review(r: Received, response: Record<string, unknown>) {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: r.body.request.uid, ...response } };
}
export const allow: Behaviour = (r) => ({ body: review(r, { allowed: true }) });
export const patchOf = (ops: unknown[]) => ({ patchType: 'JSONPatch', patch: b64(JSON.stringify(ops)) });

export function fakeApi(state: { mutating?: KubeObject[]; validating?: KubeObject[]; namespaces?: KubeObject[] }): Api {
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

export const config = (name: string, webhooks: unknown[]): KubeObject => ({ metadata: { name }, webhooks });

export const user = { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] };
export const newPod = (labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-a', labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] },
});
export function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return { operation: 'CREATE', resource: pods, namespace: 'team-a', name: 'web', object: newPod(), options: { fieldManager: 'kubectl-create' }, dryRun: false, user, ...over };
}
export const teamA = { metadata: { name: 'team-a', labels: { tier: 'apps' } } };

export async function rejection(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KubeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** Starts the webhook server; answers with `behaviours.get(path)`, allowing by default. */
export async function startAdmissionHarness() {
  const ca = await createCertificateAuthority('webhook-ca');
  const serverPem = await ca.issueServerCert(['127.0.0.1', 'localhost']);
  const caBundle = b64(ca.certPem);
  const behaviours = new Map<string, Behaviour>();
  const server = await startHttpsServer(serverPem, (r) => (behaviours.get(r.path.split('?')[0]) ?? allow)(r));
  return {
    ca, serverPem, caBundle, server, behaviours,
    seen: (path: string) => server.received.filter((r) => r.path.split('?')[0] === path),
    hook(name: string, path: string, over: Record<string, unknown> = {}) {
      return {
        name,
        clientConfig: { url: `${server.url}${path}`, caBundle },
        rules: [{ operations: ['CREATE', 'UPDATE', 'DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/status'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        ...over,
      };
    },
  };
}
