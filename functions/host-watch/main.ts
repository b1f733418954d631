// The host-watch process: config, the runtime (a candidate for the lease; the watch while it holds it),
// and a graceful close on SIGTERM/SIGINT that releases the lease, so a successor takes over at once.
import pino from 'pino';
import { configOrExit, loadConfig } from '../_shared/config.js';
import { loggerOptions } from '../_shared/logger.js';
import { startMetricsServer } from '../_shared/metrics/metrics-server.js';
import { hostWatchMetrics } from './metrics.js';
import { startHostWatch } from './run-host-watch.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = configOrExit('host-watch', () => loadConfig(env, 'host-watch'));
  const log = pino(loggerOptions(config.logLevel, 'podferry-host-watch'));
  const runtime = await startHostWatch({
    cluster: config.cluster,
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    ...(config.host.kubeconfig ? { hostKubeconfig: config.host.kubeconfig } : {}),
    hostNamespace: config.host.namespace,
    leaseSeconds: config.hostWatch.leaseSeconds,
    staleSeconds: config.hostWatch.staleSeconds,
    ...(config.hostWatch.instance ? { instance: config.hostWatch.instance } : {}),
    log,
  });
  const metrics = hostWatchMetrics(runtime);
  const metricsServer = await startMetricsServer({ host: '0.0.0.0', port: config.metrics.port, render: () => metrics.scrape() });
  log.info({ cluster: config.cluster, hostNamespace: config.host.namespace, instance: runtime.instance, leaseSeconds: config.hostWatch.leaseSeconds, metrics: metricsServer.url }, 'host watch started');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'stepping down');
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    runtime.close().then(() => metricsServer.close()).then(() => process.exit(0), (err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
