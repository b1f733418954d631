// One simulated cluster: the in-process API behind an HTTPS server with its own CA, admission and (when
// configured) audit, the control plane's controllers (the `kubernetes` Service, endpoints, volume
// protection), and in host mode a scheduler, a volume provisioner and simulated kubelets. With a dataDir its
// store and credentials persist across restarts. startCluster is the only entry other code needs; close()
// stops everything in the reverse order.
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdmission } from './admission.js';
import { createApi } from './api.js';
import { createAuditSink } from './audit.js';
import { auditedApi } from './audited-api.js';
import { createAuthenticator } from './auth.js';
import { startControllers } from './controllers.js';
import { discoveryDocuments } from './discovery.js';
import { createFaults } from './faults.js';
import { createHttpHandler } from './http.js';
import { startKubelets } from './kubelet.js';
import { renderKubeconfig } from './kubeconfig.js';
import { createMetrics } from './metrics.js';
import { openApiDocuments } from './openapi.js';
import { startScheduler } from './scheduler.js';
import { startEndpointsController } from './endpoints-controller.js';
import { reconcileKubernetesService } from './kubernetes-service.js';
import { openPersistentStore } from './persistence.js';
import { loadOrCreatePki } from './pki-store.js';
import { createTokenSigner, serviceAccountAuthenticator, tokenRequestHandler } from './service-account-tokens.js';
import { DEFAULT_SERVICE_CIDR, firstServiceIP, parseCidr } from './service-network.js';
import { Store } from './store.js';
import { startVolumeBinder } from './volume-binder.js';
import { startVolumeProtection } from './volume-protection.js';
import { createCertificateAuthority } from './tls.js';
import { SimRuntime } from './container-runtime/runtime.js';
import { createHostStreams } from './streaming/host-streams.js';
import { createKubeletProxy } from './kubelet-proxy.js';
import type { WebhookCredentials } from './webhook-client.js';
import type { Api, AuditSink, ClusterOptions, FaultOptions, UserInfo } from './types.js';

export interface StartedCluster {
  name: string;
  mode: ClusterOptions['mode'];
  url: string;
  port: number;
  /** YAML with the CA and an admin client certificate (user "kubernetes-admin", group system:masters). */
  kubeconfig: string;
  /** A bearer token for the same admin identity. */
  token: string;
  caPem: string;
  api: Api;
  setFaults(f: FaultOptions): void;
  metricsText(): string;
  writeKubeconfig(path: string): Promise<void>;
  close(): Promise<void>;
}

/** ClusterOptions plus what an embedding program wires in code: extra token users and admission credentials. */
export interface StartClusterOptions extends ClusterOptions {
  /** Bearer tokens accepted besides the admin's, as a --token-auth-file would list them. */
  tokenUsers?: Array<{ token: string; user: UserInfo }>;
  /** What the API server presents to admission webhooks (AdmissionConfiguration kubeconfig user "*"). */
  admissionCredentials?: WebhookCredentials;
}

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;
const ADMIN: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const DEFAULT_SERVICE_CIDRS = { host: DEFAULT_SERVICE_CIDR, virtual: '10.43.0.0/16' } as const;
const SERVICE_NAMES = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];

export async function startCluster(options: StartClusterOptions): Promise<StartedCluster> {
  const name = options.name ?? options.mode;
  const host = options.host ?? '127.0.0.1';
  const advertise = options.advertiseAddress ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const serviceCidr = options.serviceCidr ?? DEFAULT_SERVICE_CIDRS[options.mode];
  const clusterIP = firstServiceIP(parseCidr(serviceCidr));
  const hosts = [...new Set(['127.0.0.1', '::1', 'localhost', advertise, clusterIP, ...SERVICE_NAMES, ...(options.tlsSans ?? [])])];
  const pki = await loadOrCreatePki(options.dataDir && join(options.dataDir, 'pki'), `${name}-ca`, hosts, ADMIN.username, ['system:masters']);
  const token = pki.adminToken;
  const persistent = options.dataDir ? openPersistentStore(join(options.dataDir, 'store'), { historySize: options.watchHistory }) : undefined;
  const store = persistent?.store ?? new Store(options.watchHistory ?? 10_000);
  const signer = createTokenSigner(pki.serviceAccountKeyPem);

  // Every namespace's kube-root-ca.crt then carries the CA that really signs this server's certificate.
  const api = createApi({
    store, rootCaPem: pki.ca.certPem, serviceCidr,
    subresources: { 'serviceaccounts/token': tokenRequestHandler(signer) },
  });
  api.setAdmission(createAdmission(api, options.admissionCredentials ? { credentials: options.admissionCredentials } : {}));
  let audit: (AuditSink & { stats(): unknown }) | undefined;
  if (options.audit) audit = await createAuditSink(options.audit);

  const metrics = createMetrics();
  const faults = createFaults(options.faults);
  const documents = new Map<string, string>();
  const staticTokens = new Map([[token, ADMIN], ...(options.tokenUsers ?? []).map((t): [string, UserInfo] => [t.token, t.user])]);
  // Host mode runs containers: a runtime the kubelets start them in and the streaming subresources read.
  const runtime = options.mode === 'host' ? new SimRuntime(api) : undefined;
  // Virtual mode has no kubelets of its own: like kube-apiserver, it proxies to the pod's node's kubelet endpoint.
  const podStreams = runtime ? createHostStreams(api, runtime) : createKubeletProxy(api, options.kubeletClient);
  const handler = createHttpHandler({
    api,
    authenticator: createAuthenticator(staticTokens, serviceAccountAuthenticator(signer, store)),
    metrics,
    faults,
    audit,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    documents,
    now: () => new Date(),
    podStreams,
  });
  const server = createServer(
    { key: pki.serving.keyPem, cert: pki.serving.certPem, ca: [pki.ca.certPem], requestCert: true, rejectUnauthorized: false },
    handler.handle,
  );
  server.keepAliveTimeout = 60_000;
  server.on('upgrade', handler.upgrade);
  const port = await listen(server, options.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `https://${urlHost}:${port}`;
  for (const [path, doc] of discoveryDocuments(`${urlHost}:${port}`)) documents.set(path, doc);
  for (const [path, doc] of openApiDocuments()) documents.set(path, doc);

  // The API server's own reconcilers and kube-controller-manager's controllers, in both modes.
  await reconcileKubernetesService(api, { clusterIP, address: advertise, port });
  const controllers: Array<{ stop(): Promise<void> }> = [startEndpointsController(api), startVolumeProtection(auditedApi(api, audit)), startControllers(auditedApi(api, audit))];
  let scheduler: { stop(): Promise<void> } | undefined;
  let kubelets: { stop(): Promise<void> } | undefined;
  if (options.mode === 'host') {
    controllers.push(await startVolumeBinder(api));
    scheduler = startScheduler(api);
    kubelets = await startKubelets(api, { nodes: options.nodes ?? 3, kubelet: options.kubelet, runtime });
  }

  const kubeconfig = renderKubeconfig({ name, server: url, caPem: pki.ca.certPem, user: ADMIN.username, clientCertPem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem });
  let closing: Promise<void> | undefined;
  return {
    name,
    mode: options.mode,
    url,
    port,
    kubeconfig,
    token,
    caPem: pki.ca.certPem,
    api,
    setFaults: (f) => faults.set(f),
    metricsText: () => metrics.render(),
    writeKubeconfig: (path) => writeFile(path, kubeconfig, { mode: 0o600 }),
    close() {
      closing ??= (async () => {
        handler.closeWatches();
        podStreams.close();
        await kubelets?.stop();
        await scheduler?.stop();
        for (const c of controllers) await c.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Requests still in flight get a moment to finish; then their connections go too.
          setTimeout(() => server.closeAllConnections(), 200).unref();
        });
        await audit?.close();
        persistent?.close();
      })();
      return closing;
    },
  };
}
