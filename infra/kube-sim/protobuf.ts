// Request bodies in Kubernetes protobuf (application/vnd.kubernetes.protobuf), which client-go's typed
// clients send by default, kubectl's generators included (`kubectl create namespace|configmap|secret|
// serviceaccount|service|token|deployment|job`). The envelope is "k8s\0" plus a runtime.Unknown {typeMeta,
// raw}; raw is the object in generated.proto numbering, decoded by the descriptors of protobuf-messages.ts
// into the same JSON shape a JSON body would have. A kind or a set field without a descriptor is a 415
// rather than a silently lost field. Responses are always JSON (kubectl's Accept lists application/json).
import { KubeError } from './errors.js';
import { BODY_KINDS, MESSAGES, type FieldDesc } from './protobuf-messages.js';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

type Field = { no: number; wire: number; value: Buffer | number | bigint };

/** The wire-format fields of one message, in order. */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('truncated field');
      out.push({ no, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) { out.push({ no, wire, value: buf.readBigUInt64LE(pos) }); pos += 8; }
    else if (wire === 5) { out.push({ no, wire, value: buf.readUInt32LE(pos) }); pos += 4; }
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field) => (f.value as Buffer).toString('utf8');
// int64 fields arrive as unsigned varints; a negative number is its 64-bit two's complement.
const num = (f: Field) => Number(BigInt.asIntN(64, f.value as bigint));

class UnknownField extends Error {}

function time(buf: Buffer): string | undefined {
  let seconds = 0;
  for (const e of fields(buf)) if (e.no === 1) seconds = num(e);
  return seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : undefined;
}

function mapEntry(buf: Buffer): [Field | undefined, Field | undefined] {
  let key: Field | undefined;
  let value: Field | undefined;
  for (const e of fields(buf)) {
    if (e.no === 1) key = e;
    if (e.no === 2) value = e;
  }
  return [key, value];
}

/** A non-repeated value of one field, or undefined when it carries the zero value JSON would omit. */
function scalar(f: Field, desc: FieldDesc): unknown {
  switch (desc.type) {
    case 'string': { const v = str(f); return v === '' && !desc.pointer ? undefined : v; }
    case 'bytes': return (f.value as Buffer).toString('base64');
    case 'int': { const v = num(f); return v === 0 && !desc.pointer ? undefined : v; }
    case 'bool': { const v = num(f) !== 0; return !v && !desc.pointer ? undefined : v; }
    case 'time': return time(f.value as Buffer);
    case 'quantity': return quantity(f.value as Buffer);
    case 'intstr': {
      let type = 0; let intVal = 0; let strVal = '';
      for (const e of fields(f.value as Buffer)) {
        if (e.no === 1) type = num(e);
        if (e.no === 2) intVal = num(e);
        if (e.no === 3) strVal = str(e);
      }
      return type === 1 ? strVal : intVal;
    }
    default: return message(f.value as Buffer, desc.type);
  }
}

function quantity(buf: Buffer): string {
  for (const e of fields(buf)) if (e.no === 1) return str(e);
  return '0';
}

/** Decodes one message by its descriptor into the JSON shape; a set field the descriptor lacks is refused. */
function message(buf: Buffer, type: string): Record<string, unknown> {
  const descs = MESSAGES[type];
  if (!descs) throw new UnknownField(type);
  const obj: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const desc = descs.get(f.no);
    if (!desc) {
      // gogo-protobuf writes every non-pointer field, set or not: only a non-zero one is data we would lose.
      const zero = f.wire === 2 ? (f.value as Buffer).length === 0 : f.wire === 0 ? f.value === 0n : false;
      if (!zero) throw new UnknownField(`${type} field ${f.no}`);
      continue;
    }
    if (desc.inline) {
      Object.assign(obj, message(f.value as Buffer, desc.type));
      continue;
    }
    if (desc.type === 'map' || desc.type === 'bytesmap' || desc.type === 'quantitymap') {
      const [k, v] = mapEntry(f.value as Buffer);
      const key = k ? str(k) : '';
      const value = !v ? '' : desc.type === 'bytesmap' ? (v.value as Buffer).toString('base64') : desc.type === 'quantitymap' ? quantity(v.value as Buffer) : str(v);
      ((obj[desc.name] ??= {}) as Record<string, unknown>)[key] = value;
      continue;
    }
    if (desc.repeated) {
      const list = (obj[desc.name] ??= []) as unknown[];
      if (f.wire === 2 && desc.type === 'int') {
        // a packed repeated varint field
        for (const e of fields(Buffer.concat([Buffer.from([0x08]), f.value as Buffer]))) list.push(num(e));
      } else list.push(desc.type === 'string' ? str(f) : scalar(f, { ...desc, pointer: true }) ?? {});
      continue;
    }
    const value = scalar(f, desc);
    if (value !== undefined) obj[desc.name] = value;
  }
  return obj;
}

/** Decodes a protobuf body to the JSON object shape, or throws the 415 the server answers for kinds it cannot read. */
export function decodeProtobufObject(buf: Buffer, contentType: string): Record<string, unknown> {
  const unsupported = () => new KubeError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${contentType})`);
  if (buf.length < 4 || MAGIC.some((b, i) => buf[i] !== b)) throw unsupported();
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  try {
    for (const f of fields(buf.subarray(4))) {
      if (f.no === 1) {
        for (const tm of fields(f.value as Buffer)) {
          if (tm.no === 1) apiVersion = str(tm);
          if (tm.no === 2) kind = str(tm);
        }
      } else if (f.no === 2) raw = f.value as Buffer;
    }
    const type = BODY_KINDS[`${apiVersion}/${kind}`];
    if (!type || !raw) throw unsupported();
    const decoded = message(raw, type);
    return { apiVersion, kind, ...decoded, metadata: decoded.metadata ?? {} };
  } catch (err) {
    if (err instanceof KubeError) throw err;
    if (err instanceof UnknownField) throw unsupported();
    throw new KubeError(400, 'BadRequest', `the object provided is unrecognized: ${(err as Error).message}`);
  }
}
