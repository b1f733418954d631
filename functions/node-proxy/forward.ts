// One kubelet streaming request, forwarded: the access check (403 unless the host pod is this virtual pod's
// and has the container), then the host API's subresource of the translated pod. What is logged is who and
// what (kind, virtual pod, container, code, byte counts), never a command, a log line or a stream byte.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { KubeletAccessContext } from '../_shared/core/kubelet-access.js';
import { hostSubresourcePath, type KubeletTarget } from '../_shared/core/kubelet-request.js';
import { KubeError } from '../_shared/core/kube-status.js';
import type { HostStreams } from '../_shared/kube/host-stream.js';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import { accessFor } from './kubelet-pods.js';
import { echoResponse, spliceUpgrade, upgradeHeaders, writeRawResponse } from './relay.js';

export interface StreamDeps {
  ctx: KubeletAccessContext;
  host: KubeSide;
  streams: HostStreams;
  log: Logger;
}

function logFields(target: KubeletTarget) {
  return { kind: target.kind, namespace: target.namespace, pod: target.pod, ...(target.container ? { container: target.container } : {}) };
}

/** vCluster's refusal, as a Status: the same 403 for a foreign pod, an unmanaged one and a missing container. */
function denial(target: KubeletTarget, message: string): KubeError {
  return new KubeError(403, 'Forbidden', message, { name: target.pod, kind: 'pods' });
}

function unavailable(): KubeError {
  return new KubeError(503, 'ServiceUnavailable', 'the node proxy could not reach the host API');
}

export async function forwardLogs(deps: StreamDeps, target: KubeletTarget, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const log = deps.log.child(logFields(target));
  const send = (err: KubeError) => {
    const body = JSON.stringify(err.status);
    res.writeHead(err.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  };
  const access = await accessFor(deps.host, target, deps.ctx);
  if (!access.allowed) {
    log.warn({ code: 403 }, 'refused: not this virtual cluster\'s pod or container');
    return send(denial(target, access.message));
  }
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  let upstream: IncomingMessage;
  try {
    upstream = await deps.streams.get(hostSubresourcePath(target, query, access.hostNamespace, access.hostName), abort.signal);
  } catch (err) {
    if (abort.signal.aborted) return;
    log.error({ err: (err as Error).message }, 'host API unreachable');
    return send(unavailable());
  }
  const code = upstream.statusCode ?? 502;
  if (code < 200 || code > 299) {
    // A kubelet answers a failed log read with the error's text; the virtual API server makes it a Status.
    const text = kubeletErrorText(await readLimited(upstream), access.hostName, target.pod);
    log.info({ code }, 'host API refused the log');
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
    return;
  }
  res.writeHead(code, { 'Content-Type': upstream.headers['content-type'] ?? 'text/plain' });
  res.flushHeaders();
  let bytes = 0;
  upstream.on('data', (b: Buffer) => (bytes += b.length));
  upstream.pipe(res);
  await new Promise<void>((resolve) => {
    res.once('close', resolve);
    upstream.once('error', () => res.destroy());
  });
  log.info({ code, bytes, ms: Date.now() - started, follow: query.get('follow') === 'true' }, 'logs streamed');
}

async function readLimited(res: IncomingMessage, limit = 50_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    if (size < limit) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The host's Status message (or body) as a kubelet's error text, naming the virtual pod, never the host pod. */
export function kubeletErrorText(body: string, hostName: string, virtualName: string): string {
  let text = body;
  try {
    const status = JSON.parse(body) as { kind?: string; message?: string };
    if (status.kind === 'Status' && typeof status.message === 'string') text = status.message;
  } catch {
    // not JSON: the text as it came
  }
  return text.split(hostName).join(virtualName);
}

export async function forwardUpgrade(deps: StreamDeps, target: KubeletTarget, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const started = Date.now();
  const log = deps.log.child(logFields(target));
  const raw = (err: KubeError) => writeRawResponse(socket, err.code, { 'Content-Type': 'application/json' }, JSON.stringify(err.status));
  const access = await accessFor(deps.host, target, deps.ctx);
  if (!access.allowed) {
    log.warn({ code: 403 }, 'refused: not this virtual cluster\'s pod or container');
    return raw(denial(target, access.message));
  }
  let outcome;
  try {
    outcome = await deps.streams.upgrade(req.method ?? 'GET', hostSubresourcePath(target, query, access.hostNamespace, access.hostName), upgradeHeaders(req));
  } catch (err) {
    log.error({ err: (err as Error).message }, 'host API unreachable');
    return raw(unavailable());
  }
  if (!outcome.upgraded) {
    log.info({ code: outcome.response.statusCode }, 'host API refused the upgrade');
    await echoResponse(socket, outcome.response);
    return;
  }
  const protocol = outcome.response.headers['sec-websocket-protocol'] ?? outcome.response.headers['x-stream-protocol-version'];
  const totals = await spliceUpgrade(socket, head, outcome.response, outcome.socket, outcome.head);
  log.info({ code: 101, protocol, bytesIn: totals.up, bytesOut: totals.down, ms: Date.now() - started }, 'stream closed');
}
