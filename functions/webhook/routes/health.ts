// Probes: /healthz says the process serves HTTP; /readyz says it can also enqueue (Redis answers PING),
// so a Service stops sending audit batches to a replica that could only answer 503.
import type { FastifyInstance } from 'fastify';
import { METRICS_CONTENT_TYPE } from '../../_shared/metrics/registry.js';
import type { SyncProducer } from '../../_shared/queue/producer.js';
import { serviceUnavailable } from '../../_shared/core/kube-status.js';
import type { WebhookMetrics } from '../metrics.js';
import { sendStatus } from '../status.js';

export function healthRoutes(app: FastifyInstance, deps: { producer: SyncProducer; metrics: WebhookMetrics }): void {
  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true } }, async (request, reply) => {
    if (await deps.producer.ping()) return { status: 'ok' };
    request.log.warn('redis did not answer PING; reported not ready');
    return sendStatus(reply, serviceUnavailable('redis is not reachable'));
  });
  app.get('/metrics', { config: { public: true } }, async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(await deps.metrics.scrape()),
  );
}
