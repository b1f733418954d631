// `npm start`: the whole system on one machine. A host simulator (with nodes and kubelets), a virtual
// simulator configured exactly as a real virtual API server would be (the validating webhook registered
// through the API, the audit webhook backend from infra/virtual/audit-policy.yaml), Redis, the webhook and
// the workers. It writes kubeconfigs and endpoints.json to the state dir and stops everything on close().
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig, type V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { renderKubeconfig } from '../../infra/kube-sim/kubeconfig.js';
import { startCluster, type StartClusterOptions, type StartedCluster } from '../../infra/kube-sim/server.js';
import { DEFAULT_SERVICE_CIDR } from '../../infra/kube-sim/service-network.js';
import { loadConfig, translateContext } from '../_shared/config.js';
import { loggerOptions } from '../_shared/logger.js';
import { startMetricsServer } from '../_shared/metrics/metrics-server.js';
import { createSyncProducer, type SyncProducer } from '../_shared/queue/producer.js';
import { buildDashboard } from '../dashboard/app.js';
import { createLocalNodeProxyIdentity, startLocalNodeProxy, type LocalNodeProxyInfo } from './local-node-proxy.js';
import { buildApp } from '../webhook/app.js';
import { startWorkers, type WorkerRuntime } from '../worker/run-workers.js';
import { startHostWatch, type HostWatchRuntime } from '../host-watch/run-host-watch.js';
import { freePort } from './free-port.js';
import { loadOrCreateStackSecrets, STACK_SECRETS_FILE } from './stack-secrets.js';
import { startRedisServer, type RedisProcess } from './redis-server.js';
import type { ServiceAccountTokenMode } from '../_shared/core/service-account-token.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const AUDIT_POLICY_FILE = join(REPO_ROOT, 'infra/virtual/audit-policy.yaml');
const WEBHOOK_TEMPLATE_FILE = join(REPO_ROOT, 'infra/virtual/validating-webhook.template.yaml');

export const DEFAULT_PORTS = { virtual: 16443, host: 16444, webhook: 18443, dashboard: 18080, nodeProxy: 18250 } as const;

export interface LocalStackOptions {
  stateDir: string;
  ephemeralPorts?: boolean;
  redisUrl?: string; // else a redis-server of our own, with AOF in the state dir
  cluster?: string;
  hostNamespace?: string;
  concurrency?: number;
  hostQps?: number;
  resyncIntervalSeconds?: number;
  /** STATUS_STARTUP_COALESCE_MS (default: the worker's, 1000). */
  startupCoalesceMs?: number;
  /** Simulated kubelet step delay (ms). */
  kubeletStepMs?: number;
  /** Host nodes to simulate (each takes 110 pods, like a real kubelet's default). */
  hostNodes?: number;
  /** Run the workers in this process (default); false leaves them to `podferry worker` processes. */
  inProcessWorkers?: boolean;
  /** Run one host watch in this process (default); false leaves it to `podferry host-watch` processes (or none). */
  inProcessHostWatch?: boolean;
  /**
   * Serve the webhook (and the node proxy) in this process (default); false leaves each to a `podferry
   * webhook` (`podferry node-proxy`) process the caller starts with `webhookEnv` (`nodeProxy.env`), as the
   * benchmark does so that /proc tells each function's CPU apart.
   */
  inProcessWebhook?: boolean;
  inProcessNodeProxy?: boolean;
  /** The host watch's lease lifetime and stale time (HOST_WATCH_LEASE_SECONDS, HOST_WATCH_STALE_SECONDS). */
  hostWatchLeaseSeconds?: number;
  hostWatchStaleSeconds?: number;
  /** SERVICE_ACCOUNT_TOKEN_REFRESH_FRACTION: tests renew tokens within a second. */
  tokenRefreshFraction?: number;
  /** SERVICE_ACCOUNT_TOKENS (default: the caller's environment, else the worker's default, secret). */
  serviceAccountTokens?: ServiceAccountTokenMode;
  /** Starts the host simulator (default: startCluster in this process; the benchmark runs it in its own). */
  startHost?: (options: StartClusterOptions) => Promise<StartedCluster>;
  /**
   * Keep both clusters' state, their credentials and the webhook's in the state dir (`virtual/`, `host/`,
   * stack-secrets.json), so a restart with the same state dir brings everything back (default true).
   */
  persist?: boolean;
  /** Start empty: remove what an earlier run left in the state dir first (`npm start -- --fresh`). */
  fresh?: boolean;
  /** VIRTUAL_DNS_SERVER and STORAGE_CLASS_MAP for the workers (default: none, every class keeps its name). */
  virtualDnsServer?: string;
  storageClassMap?: string;
  log?: Logger;
}

/** What a run leaves in the state dir, and --fresh removes (the Redis data included). */
export const STATE_ENTRIES = ['virtual', 'host', 'redis', STACK_SECRETS_FILE, 'webhook.crt', 'webhook-ca.crt', 'webhook.key', 'audit-webhook.kubeconfig',
  'virtual.kubeconfig', 'podferry-virtual.kubeconfig', 'host.kubeconfig', 'endpoints.json'];

export interface Endpoints {
  cluster: string;
  hostNamespace: string;
  virtual: { url: string; kubeconfig: string; podferryKubeconfig: string };
  host: { url: string; kubeconfig: string };
  webhook: { url: string };
  /** The kubelet API of the virtual nodes: the virtual API server sends logs, exec, attach, port-forward here. */
  nodeProxy: { url: string };
  /** The in-process workers' Prometheus endpoint; absent when workers run as their own processes. */
  workerMetrics?: { url: string };
  /** The BullMQ dashboard; the credentials are generated per start (endpoints.json is written 0600). */
  dashboard: { url: string; user: string; password: string };
  redis: { url: string; ownProcess: boolean };
  queuePrefix: string;
}

export interface LocalStack {
  endpoints: Endpoints;
  virtual: StartedCluster;
  host: StartedCluster;
  /** Absent when the workers run in their own processes. */
  workers?: WorkerRuntime;
  /** Absent when the host watch runs in its own processes. */
  hostWatch?: HostWatchRuntime;
  /** Absent when the webhook runs in its own process (inProcessWebhook false). */
  webhook?: FastifyInstance;
  nodeProxy: LocalNodeProxyInfo;
  dashboard: FastifyInstance;
  /** The environment a `podferry worker` process needs to join this stack (and `podferry host-watch`). */
  workerEnv: Record<string, string>;
  /** The environment a `podferry webhook` process needs to serve as this stack's webhook. */
  webhookEnv: Record<string, string>;
  /** Stops the webhook and starts a new one on the same port after `downMs`; `webhook` stays the first app. */
  restartWebhook(downMs?: number): Promise<FastifyInstance>;
  /** While on, /audit answers 503 (an injected fault: the sender retries, then drops the batch). */
  setAuditOutage(on: boolean): void;
  close(): Promise<void>;
}

const PODFERRY_USER = 'podferry';

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const log = opts.log ?? pino(loggerOptions('info', 'podferry-start'));
  const stateDir = resolve(opts.stateDir);
  if (opts.fresh) for (const entry of STATE_ENTRIES) await rm(join(stateDir, entry), { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
  const persist = opts.persist !== false;
  const dataDir = (cluster: 'virtual' | 'host') => (persist ? { dataDir: join(stateDir, cluster) } : {});
  const cluster = opts.cluster ?? 'demo';
  const hostNamespace = opts.hostNamespace ?? `vcluster-${cluster}`;
  const port = async (name: keyof typeof DEFAULT_PORTS) => (opts.ephemeralPorts ? freePort() : DEFAULT_PORTS[name]);
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch((err) => log.warn({ err: (err as Error).message }, 'close step failed'));
  };

  try {
    let redis: RedisProcess | undefined;
    const redisUrl = opts.redisUrl ?? (redis = await startRedisServer({ dataDir: join(stateDir, 'redis') })).url;
    if (redis) closers.push(() => redis!.stop());

    const host = await (opts.startHost ?? startCluster)({ mode: 'host', name: 'host', port: await port('host'), nodes: opts.hostNodes ?? 3, kubelet: { startupDelayMs: opts.kubeletStepMs ?? 100 }, ...dataDir('host') });
    closers.push(() => host.close());
    const hostKubeconfig = join(stateDir, 'host.kubeconfig');
    await host.writeKubeconfig(hostKubeconfig);
    await ensureNamespace(host.kubeconfig, hostNamespace);

    // The webhook's own TLS, and the token the virtual API server presents to it (admission and audit).
    const secrets = await loadOrCreateStackSecrets(stateDir, persist);
    const webhookCa = { certPem: secrets.webhookCaPem };
    const serving = secrets.webhookServing;
    const { webhookToken, podferryToken } = secrets;
    const tlsCertFile = join(stateDir, 'webhook.crt');
    const tlsKeyFile = join(stateDir, 'webhook.key');
    await writeFile(tlsCertFile, serving.certPem);
    await writeFile(tlsKeyFile, serving.keyPem, { mode: 0o600 });
    // The CA that signed it, for clients that scrape the webhook by hand (curl --cacert).
    await writeFile(join(stateDir, 'webhook-ca.crt'), webhookCa.certPem);
    const webhookPort = await port('webhook');
    const webhookUrl = `https://127.0.0.1:${webhookPort}`;

    // The node proxy's TLS, and the kubelet client certificate the virtual API server presents to it.
    const nodeProxyOpts = { stateDir, port: await port('nodeProxy'), cluster, hostNamespace, hostKubeconfig };
    let nodeProxy: LocalNodeProxyInfo;
    if (opts.inProcessNodeProxy === false) nodeProxy = await createLocalNodeProxyIdentity(nodeProxyOpts);
    else {
      const proxy = await startLocalNodeProxy({ ...nodeProxyOpts, log: log.child({ component: 'node-proxy' }) });
      closers.push(() => proxy.close());
      nodeProxy = proxy;
    }

    const auditKubeconfig = join(stateDir, 'audit-webhook.kubeconfig');
    await writeFile(auditKubeconfig, auditWebhookKubeconfig(`${webhookUrl}/audit`, webhookCa.certPem, webhookToken), { mode: 0o600 });
    const virtual = await startCluster({
      mode: 'virtual',
      name: 'virtual',
      port: await port('virtual'),
      // The host's service range, as vCluster requires: a virtual Service takes its host Service's ClusterIP.
      serviceCidr: DEFAULT_SERVICE_CIDR,
      audit: { policy: AUDIT_POLICY_FILE, webhookKubeconfig: auditKubeconfig, batchMaxSize: 200, batchMaxWaitMs: 50, initialBackoffMs: 250 },
      tokenUsers: [{ token: podferryToken, user: { username: PODFERRY_USER, groups: ['system:authenticated'] } }],
      admissionCredentials: { token: webhookToken },
      ...dataDir('virtual'),
      kubeletClient: nodeProxy.kubeletClient,
    });
    closers.push(() => virtual.close());
    const virtualKubeconfig = join(stateDir, 'virtual.kubeconfig');
    await virtual.writeKubeconfig(virtualKubeconfig);
    const podferryKubeconfig = join(stateDir, 'podferry-virtual.kubeconfig');
    await writeFile(podferryKubeconfig, tokenKubeconfig(virtual.url, virtual.caPem, PODFERRY_USER, podferryToken), { mode: 0o600 });

    const workerEnv: Record<string, string> = {
      PODFERRY_CLUSTER: cluster,
      REDIS_URL: redisUrl,
      VIRTUAL_KUBECONFIG: podferryKubeconfig,
      PODFERRY_VIRTUAL_USER: PODFERRY_USER,
      HOST_KUBECONFIG: hostKubeconfig,
      HOST_NAMESPACE: hostNamespace,
      WEBHOOK_TOKENS: webhookToken,
      WORKER_CONCURRENCY: String(opts.concurrency ?? 50),
      HOST_QPS: String(opts.hostQps ?? 2000),
      RESYNC_INTERVAL_SECONDS: String(Math.max(10, opts.resyncIntervalSeconds ?? 60)),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...(opts.startupCoalesceMs !== undefined ? { STATUS_STARTUP_COALESCE_MS: String(opts.startupCoalesceMs) } : {}),
      ...(opts.hostWatchLeaseSeconds !== undefined ? { HOST_WATCH_LEASE_SECONDS: String(opts.hostWatchLeaseSeconds) } : {}),
      ...(opts.hostWatchStaleSeconds !== undefined ? { HOST_WATCH_STALE_SECONDS: String(opts.hostWatchStaleSeconds) } : {}),
      // Any free port: several worker processes may run on this one machine.
      METRICS_PORT: '0',
      NODE_PROXY_ADVERTISE_ADDRESS: '127.0.0.1',
      NODE_PROXY_PORT: String(nodeProxy.port),
      // Pod identity: host pods run on this machine, so they reach the virtual API server where it listens.
      VIRTUAL_API_SERVICE_HOST: new URL(virtual.url).hostname,
      VIRTUAL_API_SERVICE_PORT: new URL(virtual.url).port,
      ...(opts.tokenRefreshFraction !== undefined ? { SERVICE_ACCOUNT_TOKEN_REFRESH_FRACTION: String(opts.tokenRefreshFraction) } : {}),
      ...((opts.serviceAccountTokens ?? process.env.SERVICE_ACCOUNT_TOKENS) ? { SERVICE_ACCOUNT_TOKENS: opts.serviceAccountTokens ?? process.env.SERVICE_ACCOUNT_TOKENS! } : {}),
      ...(opts.virtualDnsServer ? { VIRTUAL_DNS_SERVER: opts.virtualDnsServer } : {}),
      ...(opts.storageClassMap ? { STORAGE_CLASS_MAP: opts.storageClassMap } : {}),
    };
    const webhookEnv = {
      ...workerEnv,
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(webhookPort),
      TLS_CERT_FILE: tlsCertFile,
      TLS_KEY_FILE: tlsKeyFile,
    };
    const config = loadConfig(webhookEnv);
    // The webhook as a process would run it: its own producer, one Fastify app. restartWebhook() stops it
    // and starts a fresh one on the same port, as a rolling restart would; the chaos suite uses it.
    let auditOutage = false;
    const startWebhook = async () => {
      const producer: SyncProducer = createSyncProducer({ redisUrl, prefix: config.queuePrefix });
      const app: FastifyInstance = buildApp({
        config, producer, clock: Date.now, ownUsers: [PODFERRY_USER],
        serverOptions: { https: { key: serving.keyPem, cert: serving.certPem } },
      });
      // A fault for the chaos suite: /audit answers 503 so the sender's batches exhaust their retries and drop.
      app.addHook('onRequest', async (request, reply) => {
        if (auditOutage && request.url.startsWith('/audit')) return reply.code(503).send({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'audit outage (injected)', reason: 'ServiceUnavailable', code: 503 });
      });
      try {
        await app.listen({ host: '127.0.0.1', port: webhookPort });
      } catch (err) {
        await producer.close();
        throw err;
      }
      return { app, stop: async () => { await app.close(); await producer.close(); } };
    };
    let webhook = opts.inProcessWebhook === false ? undefined : await startWebhook();
    closers.push(() => webhook?.stop() ?? Promise.resolve());
    const app = webhook?.app;
    const restartWebhook = async (downMs = 0): Promise<FastifyInstance> => {
      if (!webhook) throw new Error('the webhook runs in its own process: restart that process instead');
      await webhook.stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      webhook = await startWebhook();
      return webhook.app;
    };
    const setAuditOutage = (on: boolean) => { auditOutage = on; };

    const dashboardPort = await port('dashboard');
    const dashboardCredentials = { user: 'admin', password: randomBytes(18).toString('base64url') };
    const dashboard = buildDashboard({ redisUrl, queuePrefix: config.queuePrefix, credentials: dashboardCredentials, cluster, logger: log.child({ component: 'dashboard' }, { level: 'warn' }) });
    await dashboard.listen({ host: '127.0.0.1', port: dashboardPort });
    closers.push(() => dashboard.close());

    await registerValidatingWebhook(virtual.kubeconfig, `${webhookUrl}/admission`, webhookCa.certPem);

    let workers: WorkerRuntime | undefined;
    if (opts.inProcessWorkers !== false) {
      workers = await startWorkers({
        cluster,
        redisUrl,
        queuePrefix: config.queuePrefix,
        virtualKubeconfig: podferryKubeconfig,
        hostKubeconfig,
        hostNamespace,
        translate: translateContext(config),
        tokenRefreshFraction: config.podIdentity.tokenRefreshFraction,
        policy: config.podPolicy,
        concurrency: config.worker.concurrency,
        hostQps: config.host.qps,
        resyncIntervalSeconds: opts.resyncIntervalSeconds ?? config.worker.resyncIntervalSeconds,
        startupCoalesceMs: config.worker.startupCoalesceMs,
        nodeProxy: { address: config.nodeProxy.advertiseAddress!, port: config.nodeProxy.port },
        log: log.child({ component: 'worker' }),
      });
      closers.push(() => workers!.close());
    }
    let hostWatch: HostWatchRuntime | undefined;
    if (opts.inProcessHostWatch !== false) {
      hostWatch = await startHostWatch({
        cluster,
        redisUrl,
        queuePrefix: config.queuePrefix,
        hostKubeconfig,
        hostNamespace,
        leaseSeconds: config.hostWatch.leaseSeconds,
        staleSeconds: config.hostWatch.staleSeconds,
        // Leading, listing: facts for operators, not for the terminal `npm start` prints its banner to.
        log: log.child({ component: 'host-watch' }, { level: log.levelVal < 40 ? 'warn' : log.level }),
      });
      closers.push(() => hostWatch!.close());
    }
    const workerMetrics = workers
      ? await startMetricsServer({ host: '127.0.0.1', port: 0, render: () => workers!.metrics.scrape() })
      : undefined;
    if (workerMetrics) closers.push(() => workerMetrics.close());

    const endpoints: Endpoints = {
      cluster,
      hostNamespace,
      virtual: { url: virtual.url, kubeconfig: virtualKubeconfig, podferryKubeconfig },
      host: { url: host.url, kubeconfig: hostKubeconfig },
      webhook: { url: webhookUrl },
      nodeProxy: { url: nodeProxy.url },
      ...(workerMetrics ? { workerMetrics: { url: workerMetrics.url } } : {}),
      dashboard: { url: `http://127.0.0.1:${dashboardPort}/queues`, ...dashboardCredentials },
      redis: { url: redisUrl, ownProcess: redis !== undefined },
      queuePrefix: config.queuePrefix,
    };
    await writeFile(join(stateDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
    await chmod(join(stateDir, 'endpoints.json'), 0o600); // an older file keeps its mode through writeFile
    return { endpoints, virtual, host, workers, hostWatch, webhook: app, nodeProxy, dashboard, workerEnv, webhookEnv, restartWebhook, setAuditOutage, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function ensureNamespace(kubeconfig: string, name: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** Registers podferry's admission webhook the way an operator would: the template, filled in, through the API. */
async function registerValidatingWebhook(kubeconfig: string, url: string, caPem: string): Promise<void> {
  const template = parseYaml(await readFile(WEBHOOK_TEMPLATE_FILE, 'utf8')) as V1ValidatingWebhookConfiguration;
  for (const hook of template.webhooks ?? []) hook.clientConfig = { url, caBundle: Buffer.from(caPem).toString('base64') };
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  try {
    await api.createValidatingWebhookConfiguration({ body: template });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    await api.replaceValidatingWebhookConfiguration({ name: template.metadata!.name!, body: template });
  }
}

function auditWebhookKubeconfig(server: string, caPem: string, token: string): string {
  return renderKubeconfig({ name: 'podferry', server, caPem, user: 'kube-apiserver', token });
}

function tokenKubeconfig(server: string, caPem: string, user: string, token: string): string {
  return renderKubeconfig({ name: 'virtual', server, caPem, user, token });
}
