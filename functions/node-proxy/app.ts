// The node proxy: the kubelet API of podferry's virtual nodes, over HTTPS. The virtual API server calls it
// as it would a kubelet (GET /containerLogs/..., upgrades to /exec, /attach, /portForward); each request
// is checked against the host pod's provenance and forwarded to the host API's subresource of the
// translated pod, the upgraded stream spliced through unread. buildNodeProxy never listens (main.ts does).
//
// Plain node:https rather than Fastify: every route but three is a stream or a hijacked socket, which is
// where Fastify's routing, schemas and reply serialisation do not reach.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { KubeletAccessContext } from '../_shared/core/kubelet-access.js';
import { isUpgradeKind, parseKubeletPath } from '../_shared/core/kubelet-request.js';
import { badRequest, KubeError, methodNotAllowed, unauthorized, type Status } from '../_shared/core/kube-status.js';
import type { HostStreams } from '../_shared/kube/host-stream.js';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import { podListFor } from './kubelet-pods.js';
import { forwardLogs, forwardUpgrade, type StreamDeps } from './forward.js';
import { writeRawResponse } from './relay.js';

export interface NodeProxyDeps {
  vcluster: string;
  hostNamespace: string;
  tls: { key: string | Buffer; cert: string | Buffer; clientCa: string | Buffer };
  /** Host API reads: the pod behind a request, the pods for /pods. */
  host: KubeSide;
  streams: HostStreams;
  log: Logger;
}

export interface NodeProxy {
  server: Server;
  /** Stops accepting, ends open streams, closes host connections. */
  close(): Promise<void>;
}

const NOT_FOUND = () => new KubeError(404, 'NotFound', 'the server could not find the requested resource');

function sendStatus(res: ServerResponse, status: Status): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A caller whose certificate chains to NODE_PROXY_CLIENT_CA_FILE (TLS checked it; we only read the verdict). */
const authenticated = (req: IncomingMessage) => (req.socket as TLSSocket).authorized === true;

export function buildNodeProxy(deps: NodeProxyDeps): NodeProxy {
  const ctx: KubeletAccessContext = { vcluster: deps.vcluster, hostNamespace: deps.hostNamespace };
  const streamDeps: StreamDeps = { ctx, host: deps.host, streams: deps.streams, log: deps.log };
  const sockets = new Set<Duplex>();

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://node-proxy');
    const path = url.pathname;
    // Unauthenticated, as probes cannot present a client certificate; it says nothing about any pod.
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      return;
    }
    if (!authenticated(req)) {
      deps.log.warn({ path, remote: req.socket.remoteAddress }, 'refused a caller without a valid client certificate');
      sendStatus(res, unauthorized().status);
      return;
    }
    if (path === '/pods' || path === '/pods/' || path === '/runningpods' || path === '/runningpods/') {
      if (req.method !== 'GET') return sendStatus(res, methodNotAllowed(req.method ?? '').status);
      const list = await podListFor(deps.host, ctx, req.headers.host, path.startsWith('/running'));
      const body = JSON.stringify(list);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
      return;
    }
    const target = parseKubeletPath(path);
    if (!target) return sendStatus(res, NOT_FOUND().status);
    if (isUpgradeKind(target.kind)) return sendStatus(res, badRequest('Upgrade request required').status);
    if (req.method !== 'GET') return sendStatus(res, methodNotAllowed(req.method ?? '').status);
    await forwardLogs(streamDeps, target, url.searchParams, req, res);
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://node-proxy');
    const raw = (status: Status) => writeRawResponse(socket, status.code, { 'Content-Type': 'application/json' }, JSON.stringify(status));
    if (!authenticated(req)) {
      deps.log.warn({ path: url.pathname, remote: req.socket.remoteAddress }, 'refused a caller without a valid client certificate');
      return raw(unauthorized().status);
    }
    const target = parseKubeletPath(url.pathname);
    if (!target) return raw(NOT_FOUND().status);
    if (!isUpgradeKind(target.kind)) return raw(badRequest(`${target.kind} is not an upgrade endpoint`).status);
    if (req.method !== 'GET' && req.method !== 'POST') return raw(methodNotAllowed(req.method ?? '').status);
    await forwardUpgrade(streamDeps, target, url.searchParams, req, socket, head);
  }

  const server = createServer(
    // requestCert without rejectUnauthorized: /healthz stays open to probes; everything else checks `authorized`.
    { key: deps.tls.key, cert: deps.tls.cert, ca: deps.tls.clientCa, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      onRequest(req, res).catch((err: unknown) => {
        deps.log.error({ err: (err as Error).message, path: req.url?.split('?')[0] }, 'request failed');
        if (!res.headersSent) sendStatus(res, new KubeError(500, 'InternalError', 'Internal error occurred: the node proxy could not serve the request').status);
        else res.destroy();
      });
    },
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((err: unknown) => {
      deps.log.error({ err: (err as Error).message, path: req.url?.split('?')[0] }, 'upgrade failed');
      writeRawResponse(socket, 500, { 'Content-Type': 'application/json' }, JSON.stringify(new KubeError(500, 'InternalError', 'Internal error occurred: the node proxy could not reach the host API').status));
    });
  });
  server.on('tlsClientError', (err) => deps.log.debug({ err: err.message }, 'TLS handshake failed'));

  return {
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
        setTimeout(() => server.closeAllConnections(), 200).unref();
      });
      deps.streams.close();
    },
  };
}
