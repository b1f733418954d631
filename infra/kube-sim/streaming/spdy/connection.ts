// The server end of a SPDY/3.1 connection as spdystream's peer: the client opens streams (odd ids) with
// SYN_STREAM, the server answers each with SYN_REPLY (FIN to refuse it), DATA flows both ways with FIN as
// half-close, RST_STREAM cancels, PINGs are echoed, GOAWAY ends. No flow control: spdystream has none.
import { EventEmitter } from 'node:events';
import { controlFrame, dataFrame, FLAG_FIN, FrameReader, HeaderCodec, MAX_DATA, RST, TYPE, u32, type Headers } from './frames.js';

/** A byte pipe the connection runs over: a raw upgraded socket, or a WebSocket carrying SPDY. */
export interface ByteTransport {
  write(data: Buffer): void;
  end(): void;
  onData(listener: (data: Buffer) => void): void;
  onClose(listener: () => void): void;
}

export class SpdyStream extends EventEmitter<{ data: [Buffer]; end: []; reset: [] }> {
  remoteClosed = false;
  localClosed = false;
  private replied = false;

  constructor(private readonly conn: SpdyConnection, readonly id: number, readonly headers: Headers) {
    super();
  }

  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  /** SYN_REPLY with no headers; `refuse` sets FIN, which is how a Kubernetes server rejects a stream. */
  reply(refuse = false): void {
    if (this.replied) return;
    this.replied = true;
    if (refuse) this.localClosed = true;
    this.conn.sendControl(TYPE.SYN_REPLY, refuse ? FLAG_FIN : 0, u32(this.id), new Map());
  }

  write(data: Buffer): void {
    if (this.localClosed || !data.length) return;
    for (let off = 0; off < data.length; off += MAX_DATA) this.conn.sendData(this.id, 0, data.subarray(off, off + MAX_DATA));
  }

  /** Half-close: this side sends nothing more. */
  end(): void {
    if (this.localClosed) return;
    this.localClosed = true;
    this.conn.sendData(this.id, FLAG_FIN, Buffer.alloc(0));
    this.conn.maybeForget(this);
  }

  reset(status: number = RST.CANCEL): void {
    this.localClosed = this.remoteClosed = true;
    this.conn.sendRaw(controlFrame(TYPE.RST_STREAM, 0, u32(this.id, status)));
    this.conn.maybeForget(this);
  }

  /** Called by the connection. */
  remoteData(data: Buffer, fin: boolean): void {
    if (data.length) this.emit('data', data);
    if (fin && !this.remoteClosed) {
      this.remoteClosed = true;
      this.emit('end');
      this.conn.maybeForget(this);
    }
  }

  remoteReset(): void {
    this.remoteClosed = this.localClosed = true;
    this.emit('reset');
    this.emit('end');
  }
}

export class SpdyConnection extends EventEmitter<{ stream: [SpdyStream]; close: [] }> {
  private readonly reader = new FrameReader();
  private readonly codec = new HeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  /** Frames leave in order: a SYN_REPLY waits for its compressed headers, and the DATA after it waits too. */
  private out: Promise<void> = Promise.resolve();
  private inbound: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly transport: ByteTransport) {
    super();
    transport.onData((d) => this.receive(d));
    transport.onClose(() => this.finish());
  }

  private receive(data: Buffer): void {
    for (const frame of this.reader.push(data)) {
      // Header blocks decompress asynchronously and share one context, so frames are handled in order.
      this.inbound = this.inbound.then(() => this.handle(frame)).catch(() => this.close());
    }
  }

  private async handle(frame: ReturnType<FrameReader['push']>[number]): Promise<void> {
    if (this.closed) return;
    if (!frame.control) {
      const stream = this.streams.get(frame.streamId);
      if (stream) stream.remoteData(frame.data, (frame.flags & FLAG_FIN) !== 0);
      return;
    }
    const p = frame.payload;
    switch (frame.type) {
      case TYPE.SYN_STREAM: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.codec.decompress(p.subarray(10));
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        if (frame.flags & FLAG_FIN) stream.remoteClosed = true;
        this.emit('stream', stream);
        return;
      }
      case TYPE.HEADERS:
        await this.codec.decompress(p.subarray(4));
        return;
      case TYPE.RST_STREAM: {
        const stream = this.streams.get(p.readUInt32BE(0) & 0x7fffffff);
        if (stream) {
          this.streams.delete(stream.id);
          stream.remoteReset();
        }
        return;
      }
      case TYPE.PING:
        this.sendRaw(controlFrame(TYPE.PING, 0, p.subarray(0, 4)));
        return;
      case TYPE.GOAWAY:
        this.close();
        return;
      default: // SETTINGS, WINDOW_UPDATE: spdystream ignores them, and so does its peer here.
    }
  }

  sendRaw(frame: Buffer): void {
    this.out = this.out.then(() => {
      if (!this.closed) this.transport.write(frame);
    });
  }

  sendControl(type: number, flags: number, prefix: Buffer, headers: Headers): void {
    const block = this.codec.compress(headers);
    this.out = this.out.then(async () => {
      const compressed = await block;
      if (!this.closed) this.transport.write(controlFrame(type, flags, Buffer.concat([prefix, compressed])));
    }).catch(() => undefined);
  }

  sendData(id: number, flags: number, data: Buffer): void {
    this.sendRaw(dataFrame(id, flags, data));
  }

  maybeForget(stream: SpdyStream): void {
    if (stream.localClosed && stream.remoteClosed) this.streams.delete(stream.id);
  }

  /** GOAWAY, then the transport closes once everything queued has been written. */
  close(): void {
    if (this.closed) return;
    this.sendRaw(controlFrame(TYPE.GOAWAY, 0, u32(0, 0)));
    void this.out.then(() => {
      this.transport.end();
      this.finish();
    });
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.codec.close();
    for (const s of this.streams.values()) s.remoteReset();
    this.streams.clear();
    this.emit('close');
  }
}
