// POST /admission: the validating webhook on the user's request path. It answers from the policy alone
// and never waits for Redis: the pod goes to the batcher, whose failures are counted and logged, because
// audit and resync will bring the pod anyway.
import type { FastifyInstance } from 'fastify';
import type { PodPolicy } from '../../_shared/core/policy.js';
import { reviewAdmission, type AdmissionRequest } from '../admission-review.js';
import type { AdmissionBatcher } from '../admission-batcher.js';
import type { WebhookMetrics } from '../metrics.js';
import { STATUS_SCHEMA } from '../status.js';

/** The API server's own request limit, so any object it accepted fits. */
export const ADMISSION_BODY_LIMIT = 3 * 1024 * 1024;

const groupVersionResource = {
  type: 'object',
  required: ['group', 'resource'],
  properties: { group: { type: 'string' }, version: { type: 'string' }, resource: { type: 'string', minLength: 1 } },
} as const;

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const listOfObjects = { type: 'array', items: { type: 'object' } } as const;

/**
 * The shape every object the API server sends has (ObjectMeta), and the lists a pod spec holds. A body
 * that breaks it was not sent by an API server; it gets a 400 Status, never a 500. The policy itself is
 * total over any input too, because the worker evaluates objects no schema checked.
 */
const objectSchema = {
  type: ['object', 'null'],
  properties: {
    metadata: {
      type: 'object',
      properties: {
        name: { type: 'string' }, generateName: { type: 'string' }, namespace: { type: 'string' }, uid: { type: 'string' },
        labels: stringMap, annotations: stringMap, ownerReferences: listOfObjects, finalizers: { type: 'array', items: { type: 'string' } },
      },
    },
    spec: {
      type: 'object',
      properties: {
        containers: listOfObjects, initContainers: listOfObjects, ephemeralContainers: listOfObjects, volumes: listOfObjects,
        tolerations: listOfObjects, imagePullSecrets: listOfObjects, resourceClaims: listOfObjects,
        securityContext: { type: 'object' }, nodeSelector: stringMap, affinity: { type: 'object' },
        hostNetwork: { type: 'boolean' }, hostPID: { type: 'boolean' }, hostIPC: { type: 'boolean' }, hostUsers: { type: 'boolean' },
      },
    },
  },
} as const;

const bodySchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { type: 'string', const: 'admission.k8s.io/v1' },
    kind: { type: 'string', const: 'AdmissionReview' },
    request: {
      type: 'object',
      required: ['uid', 'operation', 'resource'],
      properties: {
        uid: { type: 'string', minLength: 1 },
        operation: { type: 'string', enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] },
        resource: groupVersionResource,
        subResource: { type: 'string' },
        name: { type: 'string' },
        namespace: { type: 'string' },
        object: objectSchema,
        oldObject: { type: ['object', 'null'] },
        dryRun: { type: 'boolean' },
      },
    },
  },
} as const;

const responseSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    response: {
      type: 'object',
      properties: {
        uid: { type: 'string' },
        allowed: { type: 'boolean' },
        status: {
          type: 'object',
          properties: { code: { type: 'integer' }, reason: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  },
} as const;

export interface AdmissionRouteDeps {
  cluster: string;
  policy: PodPolicy;
  metrics: WebhookMetrics;
  batcher: AdmissionBatcher;
}

export function admissionRoute(app: FastifyInstance, deps: AdmissionRouteDeps): void {
  app.post<{ Body: { request: AdmissionRequest } }>(
    '/admission',
    { bodyLimit: ADMISSION_BODY_LIMIT, schema: { body: bodySchema, response: { 200: responseSchema, '4xx': STATUS_SCHEMA } } },
    async (request) => {
      const review = request.body.request;
      const outcome = reviewAdmission(review, deps.policy, deps.cluster);
      const decision = outcome.response.allowed ? 'allowed' : 'denied';
      deps.metrics.inc('admission_reviews_total', { decision });
      const pod = { namespace: review.namespace, name: review.name };
      if (!outcome.response.allowed) {
        request.log.info({ uid: review.uid, pod, operation: review.operation, reason: outcome.response.status?.message }, 'denied pod');
      } else if (outcome.syncRef) {
        deps.batcher.add(outcome.syncRef);
        request.log.debug({ uid: review.uid, pod, operation: review.operation }, 'allowed pod');
      } else {
        request.log.debug({ uid: review.uid, skipped: outcome.skipped }, 'allowed without sync');
      }
      return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: outcome.response };
    },
  );
}
