// buildApp wires config and adapters into a Fastify instance and never listens, so tests drive it with
// inject() and main.ts decides about sockets, TLS and signals.
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../_shared/config.js';
import { loggerOptions } from '../_shared/logger.js';
import type { SyncProducer } from '../_shared/queue/producer.js';
import { installAuth } from './auth.js';
import { AdmissionBatcher } from './admission-batcher.js';
import { installRequestTiming, WebhookMetrics } from './metrics.js';
import { admissionRoute, ADMISSION_BODY_LIMIT } from './routes/admission.js';
import { auditRoute } from './routes/audit.js';
import { healthRoutes } from './routes/health.js';
import { installStatusErrors } from './status.js';

export interface WebhookDeps {
  config: Readonly<Config>;
  producer: SyncProducer;
  /** Milliseconds since the epoch; injected so time-dependent behaviour is testable. */
  clock: () => number;
  /** podferry's own user names in the virtual cluster; their audit events are not work. */
  ownUsers?: readonly string[];
  metrics?: WebhookMetrics;
  /** Where logs go (default stdout); tests and the benchmark pass their own stream. */
  logStream?: { write(msg: string): void };
  /** Extra Fastify options, e.g. `https` from main.ts. */
  serverOptions?: Partial<FastifyServerOptions> & { https?: object };
}

/** How long close() waits for pending admission enqueues before giving up on them. */
const CLOSE_SETTLE_MS = 2000;

export function buildApp(deps: WebhookDeps): FastifyInstance {
  const { config } = deps;
  const metrics = deps.metrics ?? new WebhookMetrics(deps.clock);
  const ownUsers = new Set([...(deps.ownUsers ?? []), ...(config.virtual.user ? [config.virtual.user] : [])]);

  const app = Fastify({
    ...(deps.serverOptions as object),
    logger: { ...loggerOptions(config.logLevel, 'podferry-webhook'), ...(deps.logStream ? { stream: deps.logStream } : {}) },
    // One decision line per request is logged by the routes; Fastify's two lines per request would
    // double the cost on the admission path for no extra fact.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ADMISSION_BODY_LIMIT,
    return503OnClosing: true,
    // Fastify's Ajv coerces by default ('array'): `"name": true` became "true" and `"namespace": [1]`
    // became "1", so fuzzed bodies of the wrong types were answered 200 and enqueued. Wrong types are 400s.
    ajv: { customOptions: { coerceTypes: false } },
  }) as unknown as FastifyInstance;

  installStatusErrors(app, ADMISSION_BODY_LIMIT);
  installRequestTiming(app, metrics);
  installAuth(app, {
    tokens: config.webhook.tokens,
    clientCertificates: config.webhook.clientCaFile !== undefined,
    allowUnauthenticated: config.webhook.allowUnauthenticated,
  });

  const batcher = new AdmissionBatcher(deps.producer, metrics, ({ refs, error }) =>
    app.log.warn({ refs, err: { message: error.message } }, 'failed to enqueue admitted pods; audit and resync will catch up'),
  );
  admissionRoute(app, { cluster: config.cluster, policy: config.podPolicy, metrics, batcher });
  auditRoute(app, { cluster: config.cluster, ownUsers, producer: deps.producer, metrics });
  healthRoutes(app, { producer: deps.producer, metrics });

  app.addHook('onClose', async () => {
    await batcher.settle(CLOSE_SETTLE_MS);
  });
  app.log.debug({ ownUsers: [...ownUsers], at: new Date(deps.clock()).toISOString() }, 'built webhook app');
  return app;
}
