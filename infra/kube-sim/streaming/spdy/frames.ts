// SPDY/3.1 framing as Kubernetes uses it (spdystream and its spdy package): control frames (SYN_STREAM,
// SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE) and data frames, with header blocks
// compressed by one zlib context per direction primed with the SPDY/3 dictionary (draft 3, section 2.6.10.1).
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

export const TYPE = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
export const FLAG_FIN = 0x01;
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5 } as const;
export const MAX_DATA = 0xffffff;

export type Frame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/** Cuts frames out of a byte stream; partial frames wait for the rest. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(data: Buffer): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    const frames: Frame[] = [];
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUIntBE(5, 3);
      if (this.buffer.length < 8 + length) break;
      const flags = this.buffer[4]!;
      const body = Buffer.from(this.buffer.subarray(8, 8 + length));
      if (this.buffer[0]! & 0x80) frames.push({ control: true, type: this.buffer.readUInt16BE(2), flags, payload: body });
      else frames.push({ control: false, streamId: this.buffer.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      this.buffer = this.buffer.subarray(8 + length);
    }
    return frames;
  }
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0); // control bit, version 3
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

export const u32 = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};

/** The header-compression dictionary: length-prefixed names, then a run of common values. */
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505'
  + '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden'
  + '404 Not Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept '
  + 'Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,'
  + 'application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdch'
  + 'charset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY3_DICTIONARY = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => Buffer.concat([u32(w.length), Buffer.from(w, 'latin1')])),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

export type Headers = Map<string, string>;

export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [k, v] of headers) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const headers: Headers = new Map();
  let off = 4;
  const count = block.readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const nameLen = block.readUInt32BE(off);
    const name = block.subarray(off + 4, off + 4 + nameLen).toString().toLowerCase();
    off += 4 + nameLen;
    const valueLen = block.readUInt32BE(off);
    headers.set(name, block.subarray(off + 4, off + 4 + valueLen).toString().split('\0').join(','));
    off += 4 + valueLen;
  }
  return headers;
}

/** A zlib context kept for the connection's life, each block flushed with Z_SYNC_FLUSH; calls run in order. */
class Codec {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly stream: Deflate | Inflate) {
    stream.on('error', () => undefined);
  }

  run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(() => new Promise<Buffer>((resolve, reject) => {
      const out: Buffer[] = [];
      const onData = (d: Buffer) => out.push(d);
      const onError = (err: Error) => {
        this.stream.off('data', onData);
        reject(err);
      };
      this.stream.on('data', onData);
      this.stream.once('error', onError);
      this.stream.write(input);
      this.stream.flush(constants.Z_SYNC_FLUSH, () => {
        this.stream.off('data', onData);
        this.stream.off('error', onError);
        resolve(Buffer.concat(out));
      });
    }));
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.stream.close();
  }
}

export class HeaderCodec {
  private readonly deflate = new Codec(createDeflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly inflate = new Codec(createInflate({ dictionary: SPDY3_DICTIONARY }));

  compress(headers: Headers): Promise<Buffer> {
    return this.deflate.run(encodeHeaderBlock(headers));
  }

  async decompress(block: Buffer): Promise<Headers> {
    return decodeHeaderBlock(await this.inflate.run(block));
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
  }
}
