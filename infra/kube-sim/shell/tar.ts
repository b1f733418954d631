// A minimal tar reader and writer, enough for `kubectl cp` both ways and client-node's cp: ustar headers,
// long names through the ustar prefix or a PAX path record (what Go's archive/tar writes), GNU long-name
// records on reading, regular files and directories; other entry types are skipped.

export interface TarEntry {
  name: string;
  type: 'file' | 'dir';
  mode: number;
  mtime: Date;
  data: Buffer;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, prefix: string, size: number, mode: number, mtime: Date, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

const pad = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** A PAX record "LEN path=...\n" where LEN counts the whole record, itself included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** name fits as is, or split at a slash into prefix (155) and name (100); else undefined. */
function splitName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return [name, ''];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(rest) <= 100 && Buffer.byteLength(prefix) <= 155 && rest) return [rest, prefix];
  }
  return undefined;
}

export function writeTar(entries: TarEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    let split = splitName(name);
    if (!split) {
      const pax = Buffer.from(paxRecord('path', name));
      out.push(header('PaxHeaders/entry', '', pax.length, 0o644, e.mtime, 'x'), pax, pad(pax.length));
      split = [name.slice(-100), ''];
    }
    const size = e.type === 'file' ? e.data.length : 0;
    out.push(header(split[0], split[1], size, e.mode, e.mtime, e.type === 'dir' ? '5' : '0'));
    if (size) out.push(e.data, pad(size));
  }
  out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
}

const cstr = (b: Buffer, start: number, len: number) => {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? s.length : nul).toString('utf8');
};

function readOctal(b: Buffer, start: number, len: number): number {
  // Base-256 (GNU) for large values: the high bit of the first byte is set.
  if (b[start]! & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const text = cstr(b, start, len).trim();
  return text ? parseInt(text, 8) : 0;
}

export class TarError extends Error {}

/** Entries of an archive; throws TarError on a corrupt header (as tar's "invalid tar header checksum"). */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  for (let off = 0; off + BLOCK <= archive.length;) {
    const h = archive.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== readOctal(h, 148, 8)) throw new TarError('invalid tar header checksum');
    const size = readOctal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const data = archive.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (type === 'L') {
      longName = cstr(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      for (const m of data.toString('utf8').matchAll(/\d+ ([^=]+)=([^\n]*)\n/g)) if (m[1] === 'path') longName = m[2];
      continue;
    }
    if (type === 'g') continue;
    const prefix = cstr(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    longName = undefined;
    const entry = { name, mode: readOctal(h, 100, 8), mtime: new Date(readOctal(h, 136, 12) * 1000), data: Buffer.from(data) };
    if (type === '5') entries.push({ ...entry, type: 'dir', data: Buffer.alloc(0) });
    else if (type === '0' || type === '\0' || type === '7') entries.push({ ...entry, type: 'file' });
  }
  return entries;
}
