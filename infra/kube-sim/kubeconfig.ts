// A kubeconfig as `kubectl config view --raw` would show it: one cluster, one user, one current context,
// with the CA and credentials embedded as base64 data so the file stands alone.
import { stringify } from 'yaml';

export interface KubeconfigInput {
  name: string;
  server: string;
  caPem: string;
  user: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  namespace?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function renderKubeconfig(input: KubeconfigInput): string {
  const user: Record<string, string> = {};
  if (input.clientCertPem && input.clientKeyPem) {
    user['client-certificate-data'] = b64(input.clientCertPem);
    user['client-key-data'] = b64(input.clientKeyPem);
  }
  if (input.token) user.token = input.token;
  if (Object.keys(user).length === 0) throw new Error('renderKubeconfig needs a client certificate and key, or a token');
  const contextName = `${input.user}@${input.name}`;
  const context: Record<string, string> = { cluster: input.name, user: input.user };
  if (input.namespace) context.namespace = input.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [{ name: input.user, user }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
  });
}
