// Every error the webhook returns is a metav1.Status, as the API server's own clients expect; the
// builders come from the shared errors module so reasons and codes match a real API server's.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import {
  badRequest,
  internalError,
  KubeError,
  requestEntityTooLarge,
  type Status,
} from '../_shared/core/kube-status.js';

export const STATUS_SCHEMA = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    apiVersion: { type: 'string' },
    metadata: { type: 'object' },
    status: { type: 'string' },
    message: { type: 'string' },
    reason: { type: 'string' },
    code: { type: 'integer' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export function sendStatus(reply: FastifyReply, err: KubeError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.code).type('application/json').send(err.status satisfies Status);
}

/** Maps Fastify's own errors to Status bodies; a 5xx never shows its internals to the caller. */
export function installStatusErrors(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof KubeError) return sendStatus(reply, error);
    const code = error.statusCode ?? 500;
    if (error.validation) return sendStatus(reply, badRequest(`invalid ${error.validationContext ?? 'request'}: ${error.message}`));
    if (code === 413) return sendStatus(reply, requestEntityTooLarge(bodyLimitBytes));
    if (code >= 400 && code < 500) {
      const reason = code === 415 ? 'UnsupportedMediaType' : code === 404 ? 'NotFound' : 'BadRequest';
      return sendStatus(reply, new KubeError(code, reason, error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return sendStatus(reply, internalError('the webhook failed to handle the request'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendStatus(reply, new KubeError(404, 'NotFound', `the server could not find the requested resource (${request.method} ${request.url.split('?')[0]})`)),
  );
}
