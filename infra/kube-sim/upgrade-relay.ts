// The byte-level half of kube-apiserver's UpgradeAwareHandler (apimachinery pkg/util/proxy/upgradeaware.go):
// once the backend answers 101 its head goes back to the client as it came and the two sockets are piped,
// with no frame read, so WebSocket and SPDY pass alike; an error answer (>= 400) is echoed and the
// connection closed.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** The backend's response head, written raw: status line and header lines in their original order. */
export function rawHead(res: IncomingMessage): string {
  let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage || STATUS_CODES[res.statusCode ?? 0] || ''}\r\n`;
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) text += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** Echoes an error response (body read up to the apiserver's 50 kB) and closes the client connection. */
export async function echoError(client: Duplex, res: IncomingMessage): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    if (size < 50_000) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const body = Buffer.concat(chunks);
  const headers = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage || STATUS_CODES[res.statusCode ?? 0] || ''}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    if (!/^(content-length|transfer-encoding|connection)$/i.test(res.rawHeaders[i])) headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  }
  headers.push(`Content-Length: ${body.length}`, 'Connection: close');
  client.end(Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`), body]));
}

/** Pipes an upgraded pair until both ends close; a gone side ends the other, which is destroyed if it lingers. */
export function splice(client: Duplex, clientHead: Buffer, res: IncomingMessage, backend: Duplex, backendHead: Buffer): Promise<void> {
  client.write(rawHead(res));
  if (backendHead.length > 0) client.write(backendHead);
  if (clientHead.length > 0) backend.write(clientHead);
  client.pipe(backend);
  backend.pipe(client);
  return new Promise((resolve) => {
    let open = 2;
    for (const [a, b] of [[client, backend], [backend, client]] as const) {
      a.once('error', () => b.destroy());
      a.once('close', () => {
        b.end();
        setTimeout(() => b.destroy(), 5000).unref();
        if (--open === 0) resolve();
      });
    }
  });
}
