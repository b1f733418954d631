// podferry's own user names in the virtual cluster, so that audit events caused by its own writes
// (status patches, finalizer removals, bindings) are not turned back into work. PODFERRY_VIRTUAL_USER
// wins; otherwise the client certificate of the virtual kubeconfig's current user names it (the API
// server takes the user name from the certificate's CN). A token user cannot be derived: say so.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface Kubeconfig {
  'current-context'?: string;
  contexts?: Array<{ name: string; context?: { user?: string } }>;
  users?: Array<{ name: string; user?: { 'client-certificate-data'?: string; 'client-certificate'?: string } }>;
}

/** The CN from an X.509 subject such as `O=podferry\nCN=podferry-syncer`. */
export function commonName(subject: string): string | undefined {
  for (const part of subject.split(/\n|,\s*/)) {
    const m = /^CN=(.+)$/.exec(part.trim());
    if (m) return m[1];
  }
  return undefined;
}

/** The CN of the current user's client certificate in a kubeconfig's text, if it has one. */
export function kubeconfigCertUser(kubeconfigText: string): string | undefined {
  const kc = parse(kubeconfigText) as Kubeconfig | null;
  const ctx = kc?.contexts?.find((c) => c.name === kc['current-context'])?.context;
  const user = kc?.users?.find((u) => u.name === ctx?.user)?.user;
  let pem: string | undefined;
  if (user?.['client-certificate-data']) pem = Buffer.from(user['client-certificate-data'], 'base64').toString('utf8');
  else if (user?.['client-certificate']) pem = readFileSync(user['client-certificate'], 'utf8');
  if (!pem) return undefined;
  return commonName(new X509Certificate(pem).subject);
}

export function resolveOwnUsers(config: { virtual: { kubeconfig: string; user?: string } }): { users: string[]; note?: string } {
  if (config.virtual.user) return { users: [config.virtual.user] };
  try {
    const fromCert = kubeconfigCertUser(readFileSync(config.virtual.kubeconfig, 'utf8'));
    if (fromCert) return { users: [fromCert] };
    return { users: [], note: 'the virtual kubeconfig user has no client certificate; set PODFERRY_VIRTUAL_USER or podferry\'s own writes will come back as audit work' };
  } catch (err) {
    return { users: [], note: `could not read podferry's user from VIRTUAL_KUBECONFIG: ${(err as Error).message}` };
  }
}
