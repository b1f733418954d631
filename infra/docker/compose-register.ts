// The one-shot step after both k3s servers are up: kubeconfigs for podferry's containers (servers renamed
// to the compose service names; podferry's own token identity on the virtual side), the host namespace,
// and the ValidatingWebhookConfiguration registered in the virtual cluster from infra/virtual's template.
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig, type V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { renderKubeconfig } from '../kube-sim/kubeconfig.js';
import { CREDENTIAL_FILES, readVirtualToken } from './compose-credentials.js';

export interface RegisterOptions {
  credentialsDir: string;
  /** Kubeconfigs as k3s writes them (K3S_KUBECONFIG_OUTPUT): admin, server https://127.0.0.1:6443. */
  virtualAdminKubeconfig: string;
  hostAdminKubeconfig: string;
  /** How podferry's containers reach each API server. */
  virtualServer: string;
  hostServer: string;
  virtualUser: string;
  webhookUrl: string;
  hostNamespace: string;
  webhookTemplateFile: string;
  outDir: string;
  owner?: { uid: number; gid: number };
  timeoutMs?: number;
}

interface KubeconfigDoc {
  clusters?: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string } }>;
}

/** The admin kubeconfig with every cluster's server replaced: k3s writes its loopback address. */
export function withServer(kubeconfigText: string, server: string): string {
  const doc = parseYaml(kubeconfigText) as KubeconfigDoc | null;
  if (!doc?.clusters?.length) throw new Error('kubeconfig has no clusters');
  for (const c of doc.clusters) c.cluster.server = server;
  return stringifyYaml(doc);
}

/** The cluster CA from a kubeconfig's current cluster, as PEM. */
export function clusterCaPem(kubeconfigText: string): string {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText);
  const data = kc.getCurrentCluster()?.caData;
  if (!data) throw new Error('kubeconfig has no certificate-authority-data for its current cluster');
  return Buffer.from(data, 'base64').toString('utf8');
}

async function waitFor<T>(what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (err) {
      last = err;
      await sleep(1000);
    }
  }
  throw new Error(`timed out waiting for ${what}: ${(last as Error)?.message ?? last}`);
}

function client(kubeconfigText: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText);
  return kc;
}

export async function register(opts: RegisterOptions): Promise<{ virtualKubeconfig: string; hostKubeconfig: string }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  const virtualAdmin = withServer(await waitFor(opts.virtualAdminKubeconfig, deadline, () => readFile(opts.virtualAdminKubeconfig, 'utf8')), opts.virtualServer);
  const hostAdmin = withServer(await waitFor(opts.hostAdminKubeconfig, deadline, () => readFile(opts.hostAdminKubeconfig, 'utf8')), opts.hostServer);

  const virtualKubeconfig = renderKubeconfig({
    name: 'virtual',
    server: opts.virtualServer,
    caPem: clusterCaPem(virtualAdmin),
    user: opts.virtualUser,
    token: await readVirtualToken(opts.credentialsDir),
  });
  await mkdir(opts.outDir, { recursive: true });
  const out = { virtualKubeconfig: join(opts.outDir, 'virtual.kubeconfig'), hostKubeconfig: join(opts.outDir, 'host.kubeconfig') };
  for (const [path, text] of [[out.virtualKubeconfig, virtualKubeconfig], [out.hostKubeconfig, hostAdmin]] as const) {
    await writeFile(path, text, { mode: 0o600 });
    if (opts.owner) await chown(path, opts.owner.uid, opts.owner.gid);
  }

  // podferry's own identity proves the token file was loaded; the admin one only proves the server is up.
  const virtualCore = client(virtualKubeconfig).makeApiClient(CoreV1Api);
  await waitFor('the virtual API server to accept podferry\'s token', deadline, () => virtualCore.listNamespace({ limit: 1 }));
  const hostCore = client(hostAdmin).makeApiClient(CoreV1Api);
  await waitFor('the host API server', deadline, async () => {
    try {
      await hostCore.createNamespace({ body: { metadata: { name: opts.hostNamespace } } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  });

  const caPem = await readFile(join(opts.credentialsDir, CREDENTIAL_FILES.caCert), 'utf8');
  const template = parseYaml(await readFile(opts.webhookTemplateFile, 'utf8')) as V1ValidatingWebhookConfiguration;
  for (const hook of template.webhooks ?? []) hook.clientConfig = { url: opts.webhookUrl, caBundle: Buffer.from(caPem).toString('base64') };
  const admission = client(virtualKubeconfig).makeApiClient(AdmissionregistrationV1Api);
  try {
    await admission.createValidatingWebhookConfiguration({ body: template });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const current = await admission.readValidatingWebhookConfiguration({ name: template.metadata!.name! });
    template.metadata!.resourceVersion = current.metadata?.resourceVersion;
    await admission.replaceValidatingWebhookConfiguration({ name: template.metadata!.name!, body: template });
  }
  return out;
}
