// buildDashboard: bull-board over podferry's queues, behind HTTP Basic auth, and never listening (main.ts
// and the local stack decide about sockets). Only the /queues scope is guarded: /healthz stays open for
// probes, and the / redirect gives nothing away.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { LogLevel } from '../_shared/config.js';
import { loggerOptions } from '../_shared/logger.js';
import { createRedisConnection } from '../_shared/queue/connection.js';
import { QUEUE_NAMES, type QueueName } from '../_shared/queue/names.js';
import { BASIC_CHALLENGE, credentialsChecker, parseBasicAuth, type BasicCredentials } from './basic-auth.js';

export const DASHBOARD_BASE_PATH = '/queues';

export interface DashboardDeps {
  redisUrl: string;
  queuePrefix: string;
  credentials: BasicCredentials;
  /** bull-board's readOnlyMode: buttons hidden and every write endpoint answers 405. */
  readOnly?: boolean;
  /** Named in the board title, so two clusters' dashboards are not mistaken for each other. */
  cluster?: string;
  logLevel?: LogLevel;
  /** Where logs go (default stdout); tests pass their own. */
  logStream?: { write(msg: string): void };
  /** A logger to use instead (the local stack passes its own); logLevel and logStream are then ignored. */
  logger?: Logger;
}

/** Typed by QueueName, so a new queue cannot be added without saying here what it is for. */
const QUEUE_DESCRIPTIONS: Record<QueueName, string> = {
  sync: 'One job per virtual pod that changed: translate it, create or converge its host pod, hand over to status.',
  status: 'Follows one host pod until it is Ready or finished, reporting its status to the virtual pod.',
  resync: 'The periodic full comparison of virtual and host pods; enqueues a sync for every difference.',
  event: 'One job per host event about a managed pod: the event, in virtual names, on the virtual pod.',
};

const HEALTH_TIMEOUT_MS = 1000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Browsers resend Basic credentials on cross-site requests too, so a write (retry, clean, obliterate)
 * must come from the dashboard's own pages: refuse ones a browser marks as cross-origin.
 */
export function isCrossOriginWrite(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true;
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

export function buildDashboard(deps: DashboardDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger }
      : { logger: { ...loggerOptions(deps.logLevel ?? 'info', 'podferry-dashboard'), ...(deps.logStream ? { stream: deps.logStream } : {}) } }),
    // The board polls several routes every few seconds; a line per request would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  const connection = createRedisConnection(deps.redisUrl, 'producer');
  const queues = (Object.values(QUEUE_NAMES) as QueueName[]).map((name) => {
    const queue = new Queue(name, { connection, prefix: deps.queuePrefix });
    queue.on('error', (err) => app.log.warn({ err: err.message, queue: name }, 'queue error'));
    return queue;
  });

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_BASE_PATH);
  createBullBoard({
    queues: queues.map(
      (queue) =>
        new BullMQAdapter(queue, {
          readOnlyMode: deps.readOnly ?? false,
          allowRetries: !deps.readOnly,
          description: QUEUE_DESCRIPTIONS[queue.name as QueueName],
        }),
    ),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: deps.cluster ? `podferry ${deps.cluster}${deps.readOnly ? ' (read-only)' : ''}` : 'podferry',
        // A job's story is its log: open there, not on the (references-only) data.
        jobDetails: { defaultTab: 'Logs' },
      },
    },
  });

  const checkCredentials = credentialsChecker(deps.credentials);
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkCredentials(parseBasicAuth(request.headers.authorization))) {
      if (request.headers.authorization) request.log.warn({ ip: request.ip, url: request.url.split('?')[0] }, 'dashboard sign-in refused');
      return reply
        .code(401)
        .header('www-authenticate', BASIC_CHALLENGE)
        .send({ error: 'Unauthorized', message: 'sign in with the dashboard credentials (DASHBOARD_USER and DASHBOARD_PASSWORD)' });
    }
    if (isCrossOriginWrite(request)) {
      request.log.warn({ ip: request.ip, url: request.url.split('?')[0], origin: request.headers.origin }, 'cross-origin dashboard write refused');
      return reply.code(403).send({ error: 'Forbidden', message: 'dashboard actions are only accepted from the dashboard itself' });
    }
  };

  app.register(
    async (scope) => {
      scope.addHook('onRequest', guard);
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: DASHBOARD_BASE_PATH },
  );

  app.get('/', (_request, reply) => reply.redirect(`${DASHBOARD_BASE_PATH}/`, 302));
  app.get('/healthz', async (_request, reply) => {
    const redis = await redisAnswers(connection, HEALTH_TIMEOUT_MS);
    return reply.code(redis ? 200 : 503).send({ status: redis ? 'ok' : 'redis unavailable' });
  });

  app.addHook('onClose', async () => {
    await Promise.all(queues.map((q) => q.close().catch(() => {})));
    await connection.quit().catch(() => connection.disconnect());
  });
  return app;
}

/** True when Redis answers PING in time; waits out a connection still being made instead of failing it. */
async function redisAnswers(connection: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  const ping = (async () => {
    if (connection.status === 'connecting' || connection.status === 'connect' || connection.status === 'wait') {
      await new Promise((resolve) => connection.once('ready', resolve));
    }
    return (await connection.ping()) === 'PONG';
  })().catch(() => false);
  return Promise.race([ping, timeout]).finally(() => clearTimeout(timer));
}
