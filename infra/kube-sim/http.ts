// The HTTP front of the simulator: authentication, injected faults, metrics and audit around every request,
// then either a fixed document (discovery, OpenAPI, health, metrics) or a resource call (resource-handler.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Authenticator } from './auth.js';
import { isPublicPath } from './auth.js';
import { KubeError, methodNotAllowed, unauthorized, type Status } from './errors.js';
import type { Faults } from './faults.js';
import type { Metrics } from './metrics.js';
import { isWatch } from './query.js';
import { kubeVerb, serveResource, type Exchange } from './resource-handler.js';
import { asKubeError, sendError, sendJson, sendText } from './respond.js';
import { answerReview, reviewFor } from './reviews.js';
import { decodeObject, readBody } from './body.js';
import { parsePath } from './router.js';
import type { Api, AuditSink, AuditStage } from './types.js';
import type { OpenWatch } from './watch-stream.js';
import { refuseUpgrade, responseOnSocket, streamTarget, streamVerbs } from './streaming/http-routes.js';
import type { PodStreams } from './streaming/pod-streams.js';

export interface HttpDeps {
  api: Api;
  authenticator: Authenticator;
  metrics: Metrics;
  faults: Faults;
  audit?: AuditSink;
  maxBodyBytes: number;
  /** Fixed JSON documents by path: discovery, /version, OpenAPI. */
  documents: ReadonlyMap<string, string>;
  now: () => Date;
  /** Serves pods/log, exec, attach and portforward; without it they are 404 like any unknown path. */
  podStreams?: PodStreams;
}

export interface HttpHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** A request with an Upgrade header (the server's 'upgrade' event): exec, attach and portforward. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every open watch cleanly (server shutdown). */
  closeWatches(): void;
}

// kube-apiserver's 404 for an unknown path carries an empty details object; kubectl debug dereferences it.
const NOT_FOUND = new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});

const HEALTH_PATH = /^\/(healthz|readyz|livez)(\/|$)/;

function microTimestamp(date: Date): string {
  const iso = date.toISOString(); // ...T12:00:00.123Z
  return `${iso.slice(0, -1)}000Z`;
}

export function createHttpHandler(deps: HttpDeps): HttpHandler {
  const openWatches = new Set<OpenWatch>();

  function serveDocument(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, methodNotAllowed(req.method ?? ''));
      return;
    }
    if (HEALTH_PATH.test(path)) {
      sendText(res, 200, 'ok', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/metrics') {
      sendText(res, 200, deps.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
      return;
    }
    const doc = deps.documents.get(path === '/version/' ? '/version' : path);
    if (doc === undefined) {
      sendError(res, NOT_FOUND);
      return;
    }
    sendText(res, 200, doc, 'application/json');
  }

  async function handleAsync(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (isPublicPath(pathname)) {
      serveDocument(req, res, pathname);
      return;
    }
    const user = deps.authenticator.authenticate(req);
    if (!user) {
      deps.metrics.request(req.method ?? '', '', 401);
      sendError(res, unauthorized());
      return;
    }
    const delay = deps.faults.delayMs();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const route = parsePath(pathname);
    const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const fault = deps.faults.reject();
    if (fault) {
      const method = req.method ?? '';
      const counted = route.kind === 'resource' ? [kubeVerb(method, route.path, method === 'GET' && isWatch(params))[1], route.path.plural] : [method, ''];
      deps.metrics.request(counted[0], counted[1], fault.code);
      sendError(res, fault);
      return;
    }
    if (route.kind !== 'resource') {
      serveDocument(req, res, route.kind === 'discovery' ? route.path : pathname);
      return;
    }
    const exchange = newExchange(req, res, url, user);
    try {
      const stream = deps.podStreams && streamTarget(route.path, params, user);
      if (stream) {
        [exchange.verb, exchange.metricsVerb] = streamVerbs(req.method ?? '', stream.subresource);
        exchange.resourceLabel = `pods/${stream.subresource}`;
        exchange.objectRef = { resource: 'pods', namespace: stream.namespace, name: stream.name, apiVersion: 'v1', subresource: stream.subresource };
        exchange.stage('RequestReceived');
        exchange.complete(await deps.podStreams!.serve(req, res, stream));
        return;
      }
      const review = req.method === 'POST' ? reviewFor(pathname) : undefined;
      if (review) {
        exchange.verb = 'create';
        exchange.metricsVerb = 'POST';
        exchange.resourceLabel = review.plural;
        const raw = await readBody(req, deps.maxBodyBytes);
        // kubectl sends these as protobuf; only the caller matters to the answer, so the body is read only when JSON.
        const json = (req.headers['content-type'] ?? '').startsWith('application/json');
        const body = json ? decodeObject(raw, req.headers['content-type'], review.kind) as Record<string, unknown> : {};
        const answer = answerReview(review, body ?? {}, user);
        sendJson(res, 201, answer);
        exchange.complete(201, answer);
        return;
      }
      await serveResource(deps, req, res, route.path, params, exchange, openWatches);
    } catch (err) {
      const kubeErr = asKubeError(err);
      exchange.complete(kubeErr.code, undefined, sendError(res, kubeErr));
    }
  }

  function newExchange(req: IncomingMessage, res: ServerResponse, url: string, user: NonNullable<ReturnType<Authenticator['authenticate']>>): Exchange {
    const auditID = (req.headers['audit-id'] as string | undefined) || randomUUID();
    res.setHeader('Audit-Id', auditID);
    const audit = deps.audit;
    const exchange: Exchange = {
      user,
      verb: '',
      metricsVerb: '',
      resourceLabel: '',
      objectRef: undefined,
      requestObject: undefined,
      received: deps.now(),
      done: false,
      stage(stage: AuditStage, code?: number, responseObject?: unknown, status?: Status) {
        if (!audit) return;
        const ua = req.headers['user-agent'];
        const request = {
          auditID,
          verb: exchange.verb,
          requestURI: url,
          user,
          sourceIPs: [req.socket.remoteAddress ?? ''],
          userAgent: ua,
          objectRef: exchange.objectRef ? { ...exchange.objectRef } : undefined,
          requestObject: stage === 'RequestReceived' ? undefined : exchange.requestObject,
          requestReceivedTimestamp: microTimestamp(exchange.received),
        };
        audit.record(stage, request, code === undefined ? undefined : { code, status, responseObject });
      },
      complete(code: number, responseObject?: unknown, status?: Status) {
        if (exchange.done) return;
        exchange.done = true;
        deps.metrics.request(exchange.metricsVerb || (req.method ?? ''), exchange.resourceLabel, code);
        exchange.stage('ResponseComplete', code, responseObject, status);
      },
    };
    return exchange;
  }

  /** Upgrades: authentication and routing as for any request; refusals are written as plain HTTP on the socket. */
  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const user = deps.authenticator.authenticate(req);
    const method = req.method ?? '';
    if (!user) {
      deps.metrics.request(method, '', 401);
      refuseUpgrade(req, socket, unauthorized());
      return;
    }
    const route = parsePath(q === -1 ? url : url.slice(0, q));
    const stream = route.kind === 'resource' && deps.podStreams ? streamTarget(route.path, new URLSearchParams(q === -1 ? '' : url.slice(q + 1)), user) : undefined;
    if (!stream || stream.subresource === 'log') {
      // Not a streaming endpoint: served as the ordinary request it also is.
      handle(req, responseOnSocket(req, socket));
      return;
    }
    try {
      streamVerbs(method, stream.subresource);
    } catch (err) {
      refuseUpgrade(req, socket, asKubeError(err));
      return;
    }
    deps.metrics.request('CONNECT', `pods/${stream.subresource}`, 101);
    deps.podStreams!.upgrade(req, socket, head, stream);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    handleAsync(req, res).catch((err) => {
      // Last resort: a bug must answer a Status, never leave the client hanging.
      if (!res.headersSent) sendError(res, asKubeError(err));
      else res.destroy();
    });
  }

  return {
    upgrade,
    handle,
    closeWatches() {
      for (const w of [...openWatches]) w.close();
    },
  };
}
