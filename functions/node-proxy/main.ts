// The node-proxy process: config, the host adapters, listen, and a graceful close. Everything testable is in app.ts.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { configOrExit, loadConfig, nodeProxyServing } from '../_shared/config.js';
import { createHostStreams } from '../_shared/kube/host-stream.js';
import { createKubeSide } from '../_shared/kube/kube-side.js';
import { loggerOptions } from '../_shared/logger.js';
import { buildNodeProxy } from './app.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = configOrExit('node-proxy', () => loadConfig(env, 'node-proxy'));
  const serving = configOrExit('node-proxy', () => nodeProxyServing(config));
  const log = pino(loggerOptions(config.logLevel, 'podferry-node-proxy'));
  const proxy = buildNodeProxy({
    vcluster: config.cluster,
    hostNamespace: config.host.namespace,
    tls: { key: readFileSync(serving.tls.keyFile), cert: readFileSync(serving.tls.certFile), clientCa: readFileSync(serving.clientCaFile) },
    host: createKubeSide({ name: 'host', kubeconfigPath: config.host.kubeconfig }),
    streams: createHostStreams(config.host.kubeconfig),
    log,
  });
  if (!config.nodeProxy.advertiseAddress) log.warn('NODE_PROXY_ADVERTISE_ADDRESS is unset here; the workers must set it, or virtual nodes do not point at this proxy');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'stopping node proxy');
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    proxy.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await new Promise<void>((resolve, reject) => {
    proxy.server.once('error', reject);
    proxy.server.listen(config.nodeProxy.port, config.nodeProxy.host, () => resolve());
  });
  log.info({ host: config.nodeProxy.host, port: config.nodeProxy.port, hostNamespace: config.host.namespace }, 'node proxy listening');
}
