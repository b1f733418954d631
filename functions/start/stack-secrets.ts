// The credentials `npm start` makes for the webhook: its CA and serving certificate, the token the virtual
// API server presents to it, and podferry's own token for the virtual API. Kept in the state dir (0600) so a
// restart with the same state dir serves the same certificate and accepts the same tokens; `--fresh` (or a
// new state dir) makes new ones.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, type CertPair } from '../../infra/kube-sim/tls.js';

export interface StackSecrets {
  webhookCaPem: string;
  webhookServing: CertPair;
  webhookToken: string;
  podferryToken: string;
}

export const STACK_SECRETS_FILE = 'stack-secrets.json';

async function make(): Promise<StackSecrets> {
  const ca = await createCertificateAuthority('podferry-webhook-ca');
  return {
    webhookCaPem: ca.certPem,
    webhookServing: await ca.issueServerCert(),
    webhookToken: randomBytes(24).toString('hex'),
    podferryToken: randomBytes(24).toString('hex'),
  };
}

function valid(s: Partial<StackSecrets> | undefined): s is StackSecrets {
  return !!s && typeof s.webhookCaPem === 'string' && typeof s.webhookServing?.certPem === 'string' && typeof s.webhookServing?.keyPem === 'string'
    && typeof s.webhookToken === 'string' && typeof s.podferryToken === 'string';
}

export async function loadOrCreateStackSecrets(stateDir: string, persist: boolean): Promise<StackSecrets> {
  const path = join(stateDir, STACK_SECRETS_FILE);
  if (persist && existsSync(path)) {
    const stored = JSON.parse(await readFile(path, 'utf8')) as Partial<StackSecrets>;
    if (valid(stored)) return stored;
  }
  const secrets = await make();
  if (persist) await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
