// POST /audit: committed changes, as the audit webhook backend batches them. Unlike admission this path
// may wait for Redis (the API server sends batches asynchronously), and it must: a 503 with Retry-After
// makes the backend retry the batch instead of losing it.
import type { FastifyInstance } from 'fastify';
import type { SyncProducer } from '../../_shared/queue/producer.js';
import { serviceUnavailable } from '../../_shared/core/kube-status.js';
import { refsFromAuditEvents, type AuditEvent } from '../audit-refs.js';
import type { WebhookMetrics } from '../metrics.js';
import { sendStatus, STATUS_SCHEMA } from '../status.js';

/** 400 events at RequestResponse level with whole pods exceed 3 MiB; the backend splits at 10 MiB. */
export const AUDIT_BODY_LIMIT = 16 * 1024 * 1024;
export const AUDIT_RETRY_AFTER_SECONDS = 10;

const userSchema = { type: ['object', 'null'], properties: { username: { type: 'string' } } } as const;

const bodySchema = {
  type: 'object',
  required: ['kind', 'apiVersion', 'items'],
  properties: {
    kind: { type: 'string', const: 'EventList' },
    apiVersion: { type: 'string', const: 'audit.k8s.io/v1' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['stage', 'verb'],
        properties: {
          auditID: { type: 'string' },
          stage: { type: 'string' },
          verb: { type: 'string' },
          user: userSchema,
          impersonatedUser: userSchema,
          objectRef: {
            type: ['object', 'null'],
            properties: {
              resource: { type: 'string' },
              namespace: { type: 'string' },
              name: { type: 'string' },
              uid: { type: 'string' },
              apiGroup: { type: 'string' },
              subresource: { type: 'string' },
            },
          },
          responseStatus: { type: ['object', 'null'], properties: { code: { type: 'integer' } } },
        },
      },
    },
  },
} as const;

export interface AuditRouteDeps {
  cluster: string;
  ownUsers: ReadonlySet<string>;
  producer: SyncProducer;
  metrics: WebhookMetrics;
}

export function auditRoute(app: FastifyInstance, deps: AuditRouteDeps): void {
  app.post<{ Body: { items: AuditEvent[] } }>(
    '/audit',
    { bodyLimit: AUDIT_BODY_LIMIT, schema: { body: bodySchema, response: { 200: { type: 'object' }, '4xx': STATUS_SCHEMA, '5xx': STATUS_SCHEMA } } },
    async (request, reply) => {
      const events = request.body.items;
      const refs = refsFromAuditEvents(events, deps.cluster, deps.ownUsers);
      deps.metrics.inc('audit_events_total', {}, events.length);
      deps.metrics.inc('audit_refs_total', {}, refs.length);
      if (refs.length === 0) return {};
      try {
        const jobIds = await deps.producer.enqueueMany(refs, 'audit');
        deps.metrics.inc('enqueued_total', { source: 'audit' }, refs.length);
        request.log.info({ events: events.length, refs: refs.length, jobs: jobIds.length }, 'enqueued audit batch');
        return {};
      } catch (err) {
        deps.metrics.enqueueFailed('audit', refs.length);
        request.log.warn({ events: events.length, refs: refs.length, err: { message: (err as Error).message } }, 'failed to enqueue audit batch; asked the sender to retry');
        const status = serviceUnavailable('the sync queue is unavailable; retry later');
        status.status.details = { retryAfterSeconds: AUDIT_RETRY_AFTER_SECONDS };
        reply.header('Retry-After', String(AUDIT_RETRY_AFTER_SECONDS));
        return sendStatus(reply, status);
      }
    },
  );
}
