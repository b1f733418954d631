// Request bodies in Kubernetes protobuf (application/vnd.kubernetes.protobuf), which kubectl's typed
// generators send: `kubectl create namespace|configmap|secret|serviceaccount`. The envelope is "k8s\0" plus a
// runtime.Unknown {typeMeta, raw}; raw is the object in k8s.io/api/core/v1 generated.proto numbering. Only
// the kinds those commands produce are decoded, into the same JSON shape a JSON body would have; anything
// else stays a 415 as before. Responses are always JSON (kubectl's Accept lists application/json too).
import { KubeError } from './errors.js';
import { decodeWorkloadProtobuf } from './protobuf-workloads.js';

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
const num = (f: Field) => Number(f.value as bigint);

function mapEntry(f: Field, asBase64: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const e of fields(f.value as Buffer)) {
    if (e.no === 1) key = str(e);
    if (e.no === 2) value = asBase64 ? (e.value as Buffer).toString('base64') : str(e);
  }
  return [key, value];
}

function time(f: Field): string | undefined {
  let seconds = 0;
  for (const e of fields(f.value as Buffer)) if (e.no === 1) seconds = num(e);
  return seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : undefined;
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const put = (key: string, [k, v]: [string, string]) => {
    ((meta[key] ??= {}) as Record<string, string>)[k] = v;
  };
  for (const f of fields(buf)) {
    // gogo-protobuf writes every string and Time, set or not; an empty one means unset in JSON terms.
    if (f.wire === 2 && (f.value as Buffer).length === 0) continue;
    switch (f.no) {
      case 1: meta.name = str(f); break;
      case 2: meta.generateName = str(f); break;
      case 3: meta.namespace = str(f); break;
      case 5: meta.uid = str(f); break;
      case 6: meta.resourceVersion = str(f); break;
      case 7: meta.generation = num(f); break;
      case 8: { const t = time(f); if (t) meta.creationTimestamp = t; break; }
      case 11: put('labels', mapEntry(f, false)); break;
      case 12: put('annotations', mapEntry(f, false)); break;
      case 14: ((meta.finalizers ??= []) as string[]).push(str(f)); break;
      default: break; // selfLink, ownerReferences, managedFields...: not produced by kubectl create
    }
  }
  return meta;
}

/** Field number -> how to read it, per kind: [json name, reader]. */
type Reader = (f: Field, obj: Record<string, unknown>) => void;
const mapInto = (name: string, base64: boolean): Reader => (f, obj) => {
  const [k, v] = mapEntry(f, base64);
  ((obj[name] ??= {}) as Record<string, string>)[k] = v;
};
const KINDS: Record<string, Record<number, Reader>> = {
  Namespace: {
    2: (f, obj) => {
      const finalizers = fields(f.value as Buffer).filter((e) => e.no === 1).map(str);
      obj.spec = finalizers.length ? { finalizers } : {};
    },
  },
  ConfigMap: { 2: mapInto('data', false), 3: mapInto('binaryData', true), 4: (f, obj) => (obj.immutable = num(f) !== 0) },
  Secret: { 2: mapInto('data', true), 3: (f, obj) => { if (str(f)) obj.type = str(f); }, 4: mapInto('stringData', false), 5: (f, obj) => (obj.immutable = num(f) !== 0) },
  ServiceAccount: {
    3: (f, obj) => {
      const name = fields(f.value as Buffer).find((e) => e.no === 1);
      ((obj.imagePullSecrets ??= []) as unknown[]).push(name ? { name: str(name) } : {});
    },
    4: (f, obj) => (obj.automountServiceAccountToken = num(f) !== 0),
  },
};

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
    const workload = raw && decodeWorkloadProtobuf(apiVersion, kind, raw);
    if (workload) return workload;
    const readers = KINDS[kind];
    if (!readers || apiVersion !== 'v1' || !raw) throw unsupported();
    const obj: Record<string, unknown> = { apiVersion, kind, metadata: {} };
    for (const f of fields(raw)) {
      if (f.no === 1) obj.metadata = objectMeta(f.value as Buffer);
      else readers[f.no]?.(f, obj);
    }
    return obj;
  } catch (err) {
    if (err instanceof KubeError) throw err;
    throw new KubeError(400, 'BadRequest', `the object provided is unrecognized: ${(err as Error).message}`);
  }
}
