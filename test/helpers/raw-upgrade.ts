// An HTTP upgrade request on a raw TLS socket, for tests that check what a proxy does to the bytes after a
// 101: no WebSocket or SPDY library between the test and the wire, just the response head parsed and the
// socket handed back (with whatever bytes arrived after the head).
import { connect, type TLSSocket } from 'node:tls';

export interface RawUpgradeOptions {
  port: number;
  ca: string;
  cert?: string;
  key?: string;
  method?: string;
  path: string;
  /** Header lines in order; a name may repeat (X-Stream-Protocol-Version). */
  headers: Array<[string, string]>;
}

export interface RawUpgradeResult {
  status: number;
  headers: Array<[string, string]>;
  socket: TLSSocket;
  /** Bytes after the head: the start of the stream on a 101, the body otherwise. */
  rest: Buffer;
}

export function rawUpgrade(opts: RawUpgradeOptions): Promise<RawUpgradeResult> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: opts.port, ca: opts.ca, cert: opts.cert, key: opts.key, servername: 'localhost' });
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = lines.slice(1).map((l): [string, string] => {
        const i = l.indexOf(':');
        return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
      });
      resolve({ status, headers, socket, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const head = [`${opts.method ?? 'GET'} ${opts.path} HTTP/1.1`, 'Host: 127.0.0.1', ...opts.headers.map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
    });
  });
}

/** Reads from a paused socket until `n` bytes (including `already`) have arrived. */
export function readBytes(socket: TLSSocket, n: number, already: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = already;
    if (buf.length >= n) return resolve(buf);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= n) {
        socket.off('data', onData);
        resolve(buf);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => (buf.length >= n ? resolve(buf) : reject(new Error(`stream ended after ${buf.length} of ${n} bytes`))));
    socket.resume();
  });
}

/** The whole rest of a response (until the server closes). */
export function readToEnd(socket: TLSSocket, already: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve) => {
    let buf = already;
    socket.on('data', (chunk: Buffer) => (buf = Buffer.concat([buf, chunk])));
    socket.once('close', () => resolve(buf));
    socket.resume();
  });
}
