// The webhook process: config, adapters, listen, and a graceful close. Everything testable is in app.ts.
import { readFileSync } from 'node:fs';
import { configOrExit, loadConfig } from '../_shared/config.js';
import { createSyncProducer } from '../_shared/queue/producer.js';
import { buildApp } from './app.js';
import { resolveOwnUsers } from './own-users.js';

/** Longer than the close settle time, shorter than Kubernetes' default 30 s grace period. */
const SHUTDOWN_DEADLINE_MS = 10_000;

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = configOrExit('webhook', () => loadConfig(env));

  const { tls, clientCaFile } = config.webhook;
  const https = tls
    ? {
        key: readFileSync(tls.keyFile),
        cert: readFileSync(tls.certFile),
        // Ask for a certificate but let token callers through; auth.ts checks `socket.authorized`.
        ...(clientCaFile ? { ca: readFileSync(clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
      }
    : undefined;

  const producer = createSyncProducer({ redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const own = resolveOwnUsers(config);
  const app = buildApp({ config, producer, clock: Date.now, ownUsers: own.users, serverOptions: https ? { https } : {} });
  if (own.note) app.log.warn(own.note);
  if (!https) app.log.warn('serving plain HTTP: set TLS_CERT_FILE and TLS_KEY_FILE; API servers only call https:// webhooks');
  if (config.webhook.allowUnauthenticated) app.log.warn('WEBHOOK_ALLOW_UNAUTHENTICATED is set: anyone who can reach the port can post');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'stopping webhook');
    const deadline = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app
      .close()
      .then(() => producer.close())
      .then(() => process.exit(0), (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ host: config.webhook.host, port: config.webhook.port });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`podferry webhook failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
