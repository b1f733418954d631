// RFC 6455, as much as the Kubernetes streaming protocols use: the server's opening handshake with subprotocol
// selection, frames (masked from clients, fragments reassembled), binary and text messages, ping/pong and the
// closing handshake. The same connection class serves as a client (masking its frames) for tests and proxies.
// Written here rather than taken from a package so every byte is the simulator's.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 64 * 1024 * 1024;

export function isWebSocketRequest(req: IncomingMessage): boolean {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  const connection = (req.headers.connection ?? '').toLowerCase();
  return upgrade === 'websocket' && connection.split(',').some((p) => p.trim() === 'upgrade');
}

/** Subprotocols the client offered, in its order (comma-separated, possibly across several headers). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct['sec-websocket-protocol'] ?? [];
  return raw.flatMap((h) => h.split(',')).map((p) => p.trim()).filter(Boolean);
}

export interface WebSocketEvents {
  message: [data: Buffer, binary: boolean];
  close: [code: number, reason: string];
}

export class WebSocketConnection extends EventEmitter<WebSocketEvents> {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBinary = true;
  private closeSent = false;
  private closed = false;

  constructor(private readonly socket: Duplex, readonly protocol: string, private readonly client = false) {
    super();
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('close', () => this.finish(1006, ''));
    socket.on('error', () => this.finish(1006, ''));
  }

  get isOpen(): boolean {
    return !this.closed && !this.closeSent;
  }

  receive(data: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    while (!this.closed) {
      const frame = this.parse();
      if (!frame) return;
      this.frame(frame.fin, frame.opcode, frame.payload);
    }
  }

  private parse(): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let len = b[1]! & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    if (len > MAX_MESSAGE) {
      this.close(1009, 'message too big');
      return undefined;
    }
    const maskAt = off;
    if (masked) off += 4;
    if (b.length < off + len) return undefined;
    const payload = Buffer.from(b.subarray(off, off + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskAt + (i & 3)]!;
    this.buffer = b.subarray(off + len);
    return { fin, opcode, payload };
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
        this.fragments.push(payload);
        if (fin) this.deliver(Buffer.concat(this.fragments), this.fragmentBinary);
        return;
      case 0x1: case 0x2:
        if (fin) this.deliver(payload, opcode === 0x2);
        else {
          this.fragments = [payload];
          this.fragmentBinary = opcode === 0x2;
        }
        return;
      case 0x8: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.subarray(2).toString('utf8');
        if (!this.closeSent) this.writeFrame(0x8, payload.subarray(0, 2));
        this.closeSent = true;
        this.socket.end();
        this.finish(code, reason);
        return;
      }
      case 0x9:
        this.writeFrame(0xa, payload);
        return;
      case 0xa:
        return;
      default:
        this.close(1002, 'unknown opcode');
    }
  }

  private deliver(data: Buffer, binary: boolean): void {
    this.fragments = [];
    this.emit('message', data, binary);
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const len = payload.length;
    const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    if (len < 126) head[1] = len;
    else if (len < 65536) {
      head[1] = 126;
      head.writeUInt16BE(len, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(len), 2);
    }
    if (this.client) {
      // A client masks every frame it sends (RFC 6455 5.3).
      head[1]! |= 0x80;
      const mask = randomBytes(4);
      const masked = Buffer.from(payload);
      for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i & 3]!;
      this.socket.write(Buffer.concat([head, mask, masked]));
      return;
    }
    this.socket.write(len ? Buffer.concat([head, payload]) : head);
  }

  send(data: Buffer | string, binary = true): void {
    if (this.closeSent) return;
    this.writeFrame(binary ? 0x2 : 0x1, Buffer.isBuffer(data) ? data : Buffer.from(data));
  }

  /** Starts the closing handshake; the socket goes once the peer answers, or after a grace period. */
  close(code = 1000, reason = ''): void {
    if (this.closeSent || this.closed) return;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.writeFrame(0x8, payload);
    this.closeSent = true;
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Drops the connection without a closing handshake (server shutdown). */
  destroy(): void {
    this.socket.destroy();
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, reason);
  }
}

/** Completes the opening handshake on an upgraded socket with the chosen subprotocol ('' for none). */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  (socket as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
  const ws = new WebSocketConnection(socket, protocol);
  if (head.length) ws.receive(head);
  return ws;
}

/** The client's half of the opening handshake: the headers to send and the Sec-WebSocket-Accept to expect. */
export function clientHandshake(protocols: string[]): { headers: Record<string, string>; accept: string } {
  const key = randomBytes(16).toString('base64');
  const headers: Record<string, string> = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key };
  if (protocols.length) headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  return { headers, accept: createHash('sha1').update(key + GUID).digest('base64') };
}

/** Why a request cannot be a WebSocket handshake, or undefined when it can. */
export function handshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return 'the WebSocket handshake is a GET';
  if (req.headers['sec-websocket-version'] !== '13') return 'Sec-WebSocket-Version must be 13';
  if (!req.headers['sec-websocket-key']) return 'Sec-WebSocket-Key is missing';
  return undefined;
}
