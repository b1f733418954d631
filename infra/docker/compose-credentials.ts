// The credentials a docker-compose run needs before the virtual API server can start: the webhook's CA and
// serving certificate, a client certificate the API server presents to the webhook (admission and audit,
// checked against CLIENT_CA_FILE), a static token for podferry's own identity in the virtual cluster, and
// the node proxy's pair: its serving certificate and the kubelet client certificate the API server presents
// to it (--kubelet-client-certificate), both from the same CA (--kubelet-certificate-authority, NODE_PROXY_CLIENT_CA_FILE).
// Written once into a shared volume; a second run keeps them, so a restart never strands a registered caBundle.
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority } from '../kube-sim/tls.js';
import { renderKubeconfig } from '../kube-sim/kubeconfig.js';

export interface CredentialOptions {
  dir: string;
  /** The name other containers reach the webhook by; it goes into the certificate and the URLs. */
  webhookHost: string;
  webhookPort: number;
  /** The user podferry writes as in the virtual cluster; the audit policy skips it by name. */
  virtualUser: string;
  /** When given, both kubeconfigs present this bearer token (one of podferry's WEBHOOK_TOKENS) instead of
   *  the client certificate; for deployments that authenticate the API server by token. */
  webhookToken?: string;
  /** The name the virtual API server reaches the node proxy by (NODE_PROXY_ADVERTISE_ADDRESS); default node-proxy. */
  nodeProxyHost?: string;
  /** uid:gid that must read the files (the image's non-root user) when this runs as root. */
  owner?: { uid: number; gid: number };
}

/** File names inside the credentials directory; compose mounts and the register step read these. */
export const CREDENTIAL_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  tlsCert: 'tls.crt',
  tlsKey: 'tls.key',
  auditKubeconfig: 'audit-webhook.kubeconfig',
  admissionKubeconfig: 'admission-webhook.kubeconfig',
  tokenCsv: 'virtual-tokens.csv',
  virtualToken: 'podferry-virtual.token',
  nodeProxyCert: 'node-proxy.crt',
  nodeProxyKey: 'node-proxy.key',
  kubeletClientCert: 'kubelet-client.crt',
  kubeletClientKey: 'kubelet-client.key',
} as const;

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Writes every file unless the CA already exists; returns whether it created them. */
export async function ensureCredentials(opts: CredentialOptions): Promise<{ created: boolean }> {
  const file = (name: keyof typeof CREDENTIAL_FILES) => join(opts.dir, CREDENTIAL_FILES[name]);
  await mkdir(opts.dir, { recursive: true });
  if (await exists(file('caCert'))) return { created: false };

  const ca = await createCertificateAuthority('podferry-webhook-ca');
  const serving = await ca.issueServerCert([opts.webhookHost, 'localhost', '127.0.0.1']);
  // CN names the caller in podferry's logs; no group: the webhook only checks that the CA signed it.
  const apiserverClient = await ca.issueClientCert('kube-apiserver', []);
  const nodeProxy = await ca.issueServerCert([opts.nodeProxyHost ?? 'node-proxy', 'localhost', '127.0.0.1']);
  const kubeletClient = await ca.issueClientCert('kube-apiserver-kubelet-client', []);
  const token = randomBytes(24).toString('hex');
  const webhookBase = `https://${opts.webhookHost}:${opts.webhookPort}`;
  const clientCreds = opts.webhookToken
    ? { token: opts.webhookToken }
    : { clientCertPem: apiserverClient.certPem, clientKeyPem: apiserverClient.keyPem };

  const files: Array<[keyof typeof CREDENTIAL_FILES, string, number]> = [
    ['caKey', ca.keyPem, 0o600],
    ['tlsCert', serving.certPem, 0o644],
    ['tlsKey', serving.keyPem, 0o600],
    ['auditKubeconfig', renderKubeconfig({ name: 'podferry', server: `${webhookBase}/audit`, caPem: ca.certPem, user: 'kube-apiserver', ...clientCreds }), 0o600],
    // kube-apiserver picks the admission credentials by the user's name matching the webhook's host:port.
    ['admissionKubeconfig', renderKubeconfig({ name: 'podferry', server: webhookBase, caPem: ca.certPem, user: `${opts.webhookHost}:${opts.webhookPort}`, ...clientCreds }), 0o600],
    // --token-auth-file: token,user,uid,"groups". system:masters because compose is a development setup.
    ['tokenCsv', `${token},${opts.virtualUser},${opts.virtualUser},"system:masters"\n`, 0o600],
    ['virtualToken', `${token}\n`, 0o600],
    ['nodeProxyCert', nodeProxy.certPem, 0o644],
    ['nodeProxyKey', nodeProxy.keyPem, 0o600],
    ['kubeletClientCert', kubeletClient.certPem, 0o644],
    ['kubeletClientKey', kubeletClient.keyPem, 0o600],
    // Last, so an interrupted run (no CA yet) starts over instead of keeping half the files.
    ['caCert', ca.certPem, 0o644],
  ];
  for (const [name, content, mode] of files) {
    await writeFile(file(name), content, { mode });
    if (opts.owner) await chown(file(name), opts.owner.uid, opts.owner.gid);
  }
  return { created: true };
}

export async function readVirtualToken(dir: string): Promise<string> {
  return (await readFile(join(dir, CREDENTIAL_FILES.virtualToken), 'utf8')).trim();
}
