// Raw HTTP on a hijacked socket, as kube-apiserver's UpgradeAwareHandler does it: the backend's 101 head is
// written back as it came and the two sockets are piped (no frame is parsed, so WebSocket and SPDY pass
// alike); a backend error response is echoed and the connection closed. Bytes are counted, never kept.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** The request headers that make an upgrade (everything else, credentials included, stays behind). */
const UPGRADE_HEADERS = ['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'x-stream-protocol-version', 'user-agent'];

/** Keeps repeated headers apart: kubectl sends five X-Stream-Protocol-Version lines, not one joined line. */
export function upgradeHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of UPGRADE_HEADERS) {
    const values = req.headersDistinct[name];
    if (values && values.length > 0) out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function head(code: number, message: string | undefined, rawHeaders: readonly string[]): string {
  let text = `HTTP/1.1 ${code} ${message || STATUS_CODES[code] || ''}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) text += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** A complete response on a raw socket (an answer to an upgrade request that is not upgraded), then close. */
export function writeRawResponse(socket: Duplex, code: number, headers: Record<string, string>, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const raw: string[] = [];
  for (const [k, v] of Object.entries(headers)) raw.push(k, v);
  raw.push('Content-Length', String(bytes.length), 'Connection', 'close');
  if (socket.writable) socket.end(Buffer.concat([Buffer.from(head(code, undefined, raw)), bytes]));
  else socket.destroy();
}

/** The backend's non-101 answer, echoed to the client (its body read up to a limit, like the apiserver's 50 kB). */
export async function echoResponse(socket: Duplex, response: IncomingMessage, limit = 50_000): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    if (size < limit) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const headers: Record<string, string> = {};
  const keep = new Set(['content-type', 'audit-id', 'x-accepted-stream-protocol-versions', 'warning']);
  for (const [k, v] of Object.entries(response.headers as IncomingHttpHeaders)) {
    if (keep.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  writeRawResponse(socket, response.statusCode ?? 502, headers, Buffer.concat(chunks).subarray(0, limit));
}

const LINGER_MS = 5000;

export type PipeTotals = { up: number; down: number };

/**
 * Writes the backend's 101 head and any bytes that came with it to the client, sends the client's early bytes
 * up, then pipes both ways until either side ends. Resolves with the byte counts once both sockets are closed.
 */
export function spliceUpgrade(client: Duplex, clientHead: Buffer, response: IncomingMessage, backend: Duplex, backendHead: Buffer): Promise<PipeTotals> {
  const totals: PipeTotals = { up: clientHead.length, down: backendHead.length };
  client.write(head(101, response.statusMessage, response.rawHeaders));
  if (backendHead.length > 0) client.write(backendHead);
  if (clientHead.length > 0) backend.write(clientHead);
  client.on('data', (b: Buffer) => (totals.up += b.length));
  backend.on('data', (b: Buffer) => (totals.down += b.length));
  client.pipe(backend);
  backend.pipe(client);
  return new Promise((resolve) => {
    let open = 2;
    // pipe() passes a half-close on. When one side is gone, the other is ended (its pending bytes, such as
    // an exec's final status, still flush) and destroyed if it lingers; an error tears both down.
    for (const [a, b] of [[client, backend], [backend, client]] as const) {
      a.once('error', () => b.destroy());
      a.once('close', () => {
        b.end();
        setTimeout(() => b.destroy(), LINGER_MS).unref();
        if (--open === 0) resolve(totals);
      });
    }
  });
}
