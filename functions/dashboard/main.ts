// `podferry dashboard`: config from the environment, the board, listen, and a graceful close.
import { configOrExit } from '../_shared/config.js';
import { buildDashboard } from './app.js';
import { loadDashboardConfig } from './config.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = configOrExit('dashboard', () => loadDashboardConfig(env));

  const app = buildDashboard({
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    credentials: { user: config.user, password: config.password },
    readOnly: config.readOnly,
    ...(config.cluster ? { cluster: config.cluster } : {}),
    logLevel: config.logLevel,
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'stopping dashboard');
    setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(() => process.exit(0), (err) => {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ url: `${address}/queues`, readOnly: config.readOnly, user: config.user }, 'dashboard listening');
}
