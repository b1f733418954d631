// A cluster's credentials: the CA, the serving certificate, the admin client certificate and token, and the
// service account signing key. Made fresh for an in-memory cluster; with a directory, made once and read
// back at every later start, so kubeconfigs and tokens written before a restart stay valid after it.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newServiceAccountKeyPem } from './service-account-tokens.js';
import { createCertificateAuthority, type CertPair } from './tls.js';

export interface ClusterPki {
  ca: CertPair;
  serving: CertPair;
  admin: CertPair;
  adminToken: string;
  /** PEM of the service account token signing key (--service-account-key-file); in memory, made when first used. */
  serviceAccountKeyPem?: string;
}

const FILES = {
  caCert: 'ca.crt', caKey: 'ca.key', servingCert: 'apiserver.crt', servingKey: 'apiserver.key',
  adminCert: 'admin.crt', adminKey: 'admin.key', adminToken: 'admin.token', saKey: 'sa.key',
} as const;

async function make(caName: string, hosts: string[], adminUser: string, adminGroups: string[], withSigningKey: boolean): Promise<ClusterPki> {
  const ca = await createCertificateAuthority(caName);
  const serviceAccountKeyPem = withSigningKey ? newServiceAccountKeyPem() : undefined;
  const [serving, admin] = await Promise.all([ca.issueServerCert(hosts), ca.issueClientCert(adminUser, adminGroups)]);
  return { ca: { certPem: ca.certPem, keyPem: ca.keyPem }, serving, admin, adminToken: randomBytes(24).toString('hex'), serviceAccountKeyPem };
}

export async function loadOrCreatePki(dir: string | undefined, caName: string, hosts: string[], adminUser: string, adminGroups: string[]): Promise<ClusterPki> {
  if (!dir) return make(caName, hosts, adminUser, adminGroups, false);
  const path = (f: keyof typeof FILES) => join(dir, FILES[f]);
  if (Object.keys(FILES).every((f) => existsSync(path(f as keyof typeof FILES)))) {
    const read = (f: keyof typeof FILES) => readFile(path(f), 'utf8');
    return {
      ca: { certPem: await read('caCert'), keyPem: await read('caKey') },
      serving: { certPem: await read('servingCert'), keyPem: await read('servingKey') },
      admin: { certPem: await read('adminCert'), keyPem: await read('adminKey') },
      adminToken: (await read('adminToken')).trim(),
      serviceAccountKeyPem: await read('saKey'),
    };
  }
  const pki = await make(caName, hosts, adminUser, adminGroups, true);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const write = (f: keyof typeof FILES, text: string, secret: boolean) => writeFile(path(f), text, { mode: secret ? 0o600 : 0o644 });
  await Promise.all([
    write('caCert', pki.ca.certPem, false), write('caKey', pki.ca.keyPem, true),
    write('servingCert', pki.serving.certPem, false), write('servingKey', pki.serving.keyPem, true),
    write('adminCert', pki.admin.certPem, false), write('adminKey', pki.admin.keyPem, true),
    write('adminToken', `${pki.adminToken}\n`, true), write('saKey', pki.serviceAccountKeyPem!, true),
  ]);
  return pki;
}
