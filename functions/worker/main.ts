// The worker process: config, the worker runtime, and a graceful close on SIGTERM/SIGINT (stop taking jobs,
// finish the active ones, close connections), bounded so a dead Redis cannot hang the shutdown.
import pino from 'pino';
import { configOrExit, loadConfig, translateContext } from '../_shared/config.js';
import { loggerOptions } from '../_shared/logger.js';
import { startMetricsServer } from '../_shared/metrics/metrics-server.js';
import { startWorkers } from './run-workers.js';

const SHUTDOWN_DEADLINE_MS = 25_000;

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = configOrExit('worker', () => loadConfig(env, 'worker'));
  const log = pino(loggerOptions(config.logLevel, 'podferry-worker'));
  const runtime = await startWorkers({
    cluster: config.cluster,
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    virtualKubeconfig: config.virtual.kubeconfig,
    ...(config.host.kubeconfig ? { hostKubeconfig: config.host.kubeconfig } : {}),
    hostNamespace: config.host.namespace,
    translate: translateContext(config),
    tokenRefreshFraction: config.podIdentity.tokenRefreshFraction,
    policy: config.podPolicy,
    concurrency: config.worker.concurrency,
    hostQps: config.host.qps,
    resyncIntervalSeconds: config.worker.resyncIntervalSeconds,
    startupCoalesceMs: config.worker.startupCoalesceMs,
    ...(config.nodeProxy.advertiseAddress ? { nodeProxy: { address: config.nodeProxy.advertiseAddress, port: config.nodeProxy.port } } : {}),
    log,
  });
  const metricsServer = await startMetricsServer({ host: '0.0.0.0', port: config.metrics.port, render: () => runtime.metrics.scrape() });
  log.info({ cluster: config.cluster, hostNamespace: config.host.namespace, concurrency: config.worker.concurrency, metrics: metricsServer.url }, 'worker started');
  if (config.podIdentity.serviceAccountTokens !== 'remove' && !config.podIdentity.virtualApi) {
    log.warn(`SERVICE_ACCOUNT_TOKENS=${config.podIdentity.serviceAccountTokens} without VIRTUAL_API_SERVICE_HOST: pods get virtual tokens, but KUBERNETES_SERVICE_HOST stays the host API server's, which refuses them`);
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'draining in-flight jobs');
    setTimeout(() => {
      log.error('drain took too long; exiting (unfinished jobs run again after stall detection)');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    runtime.close().then(() => metricsServer.close()).then(() => process.exit(0), (err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
