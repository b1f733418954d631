// The audit webhook's kubeconfig (--audit-webhook-config-file): the current context's cluster server is
// the URL that gets the POST; its CA and the user's client certificate or token authenticate the call.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { WebhookTarget } from './webhook-client.js';

type Entry = Record<string, unknown>;

function pick(list: unknown, name: string, field: 'cluster' | 'user'): Entry {
  const items = (Array.isArray(list) ? list : []) as Entry[];
  const found = items.find((i) => i.name === name);
  if (!found) throw new Error(`invalid configuration: ${field} ${JSON.stringify(name)} was not found`);
  return (found[field] ?? {}) as Entry;
}

/** Reads a kubeconfig into a webhook target; relative file paths are relative to the kubeconfig. */
export async function loadWebhookKubeconfig(path: string): Promise<WebhookTarget> {
  const config = parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const base = dirname(path);
  const file = async (p: string) => readFile(isAbsolute(p) ? p : resolve(base, p), 'utf8');
  const data = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

  const current = config['current-context'] as string | undefined;
  const contexts = (config.contexts ?? []) as Array<{ name: string; context: { cluster: string; user?: string } }>;
  const context = (current ? contexts.find((c) => c.name === current) : contexts[0])?.context;
  if (!context) throw new Error(`invalid configuration: context ${JSON.stringify(current ?? '')} was not found`);
  const cluster = pick(config.clusters, context.cluster, 'cluster');
  const user: Entry = context.user ? pick(config.users, context.user, 'user') : {};
  if (typeof cluster.server !== 'string' || !cluster.server) throw new Error('invalid configuration: no server found for cluster');

  const target: WebhookTarget = { url: cluster.server };
  if (typeof cluster['certificate-authority-data'] === 'string') target.caPem = data(cluster['certificate-authority-data']);
  else if (typeof cluster['certificate-authority'] === 'string') target.caPem = await file(cluster['certificate-authority']);
  if (cluster['insecure-skip-tls-verify'] === true) target.insecureSkipTLSVerify = true;
  if (typeof user['client-certificate-data'] === 'string') target.clientCertPem = data(user['client-certificate-data']);
  else if (typeof user['client-certificate'] === 'string') target.clientCertPem = await file(user['client-certificate']);
  if (typeof user['client-key-data'] === 'string') target.clientKeyPem = data(user['client-key-data']);
  else if (typeof user['client-key'] === 'string') target.clientKeyPem = await file(user['client-key']);
  if (typeof user.token === 'string') target.token = user.token;
  else if (typeof user.tokenFile === 'string') target.token = (await file(user.tokenFile)).trim();
  if (typeof user.username === 'string') {
    target.username = user.username;
    target.password = typeof user.password === 'string' ? user.password : '';
  }
  return target;
}
