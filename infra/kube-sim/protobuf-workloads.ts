// Protobuf bodies of the workload kinds kubectl's generators send (`kubectl create deployment|job`), decoded
// with a small field table in k8s.io/api generated.proto numbering (apps/v1, batch/v1, core/v1). It covers
// what those commands produce (names, labels, replicas, selector, strategy, the pod template's containers
// with image, command, args, ports, env and resources, restartPolicy); unknown fields are skipped. Empty
// strings, zero non-pointer numbers and false non-pointer booleans are dropped, as omitempty would in JSON.

type Type = 'string' | 'int' | 'int*' | 'bool' | 'bool*' | 'strings' | 'map' | 'quantities' | 'intOrString' | Schema | [Schema];
interface Schema { [no: number]: [string, Type] }

const QUANTITY: Schema = { 1: ['string', 'string'] };
const OBJECT_META: Schema = { 1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 11: ['labels', 'map'], 12: ['annotations', 'map'] };
const SELECTOR: Schema = { 1: ['matchLabels', 'map'], 2: ['matchExpressions', [{ 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'strings'] }]] };
const CONTAINER: Schema = {
  1: ['name', 'string'], 2: ['image', 'string'], 3: ['command', 'strings'], 4: ['args', 'strings'], 5: ['workingDir', 'string'],
  6: ['ports', [{ 1: ['name', 'string'], 2: ['hostPort', 'int'], 3: ['containerPort', 'int'], 4: ['protocol', 'string'], 5: ['hostIP', 'string'] }]],
  7: ['env', [{ 1: ['name', 'string'], 2: ['value', 'string'] }]],
  8: ['resources', { 1: ['limits', 'quantities'], 2: ['requests', 'quantities'] }],
  13: ['terminationMessagePath', 'string'], 14: ['imagePullPolicy', 'string'], 16: ['stdin', 'bool'], 17: ['stdinOnce', 'bool'], 18: ['tty', 'bool'],
  20: ['terminationMessagePolicy', 'string'],
};
const POD_SPEC: Schema = {
  2: ['containers', [CONTAINER]], 3: ['restartPolicy', 'string'], 4: ['terminationGracePeriodSeconds', 'int*'], 5: ['activeDeadlineSeconds', 'int*'],
  6: ['dnsPolicy', 'string'], 7: ['nodeSelector', 'map'], 8: ['serviceAccountName', 'string'], 9: ['serviceAccount', 'string'],
  16: ['hostname', 'string'], 17: ['subdomain', 'string'], 19: ['schedulerName', 'string'], 20: ['initContainers', [CONTAINER]],
};
const TEMPLATE: Schema = { 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] };
const DEPLOYMENT_SPEC: Schema = {
  1: ['replicas', 'int*'], 2: ['selector', SELECTOR], 3: ['template', TEMPLATE],
  4: ['strategy', { 1: ['type', 'string'], 2: ['rollingUpdate', { 1: ['maxUnavailable', 'intOrString'], 2: ['maxSurge', 'intOrString'] }] }],
  5: ['minReadySeconds', 'int'], 6: ['revisionHistoryLimit', 'int*'], 7: ['paused', 'bool'], 9: ['progressDeadlineSeconds', 'int*'],
};
const JOB_SPEC: Schema = {
  1: ['parallelism', 'int*'], 2: ['completions', 'int*'], 3: ['activeDeadlineSeconds', 'int*'], 4: ['selector', SELECTOR], 5: ['manualSelector', 'bool*'],
  6: ['template', TEMPLATE], 7: ['backoffLimit', 'int*'], 8: ['ttlSecondsAfterFinished', 'int*'], 9: ['completionMode', 'string'], 10: ['suspend', 'bool*'],
};

const KINDS: Record<string, Schema> = {
  'apps/v1/Deployment': { 1: ['metadata', OBJECT_META], 2: ['spec', DEPLOYMENT_SPEC] },
  'batch/v1/Job': { 1: ['metadata', OBJECT_META], 2: ['spec', JOB_SPEC] },
};

type Field = { no: number; wire: number; value: Buffer | bigint };

function readFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) out.push({ no: key >>> 3, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('truncated field');
      out.push({ no: key >>> 3, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (f: Field) => (f.value as Buffer).toString('utf8');
/** int32 varints carry negative numbers as 64-bit two's complement. */
const int = (f: Field) => Number(BigInt.asIntN(64, f.value as bigint));

function entry(f: Field, valueOf: (v: Field) => string): [string, string] {
  let k = '';
  let v = '';
  for (const e of readFields(f.value as Buffer)) {
    if (e.no === 1) k = text(e);
    if (e.no === 2) v = valueOf(e);
  }
  return [k, v];
}

function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const spec = schema[f.no];
    if (!spec) continue;
    const [name, type] = spec;
    if (Array.isArray(type)) ((obj[name] ??= []) as unknown[]).push(decode(f.value as Buffer, type[0]));
    else if (typeof type === 'object') obj[name] = decode(f.value as Buffer, type);
    else if (type === 'string') { if (text(f)) obj[name] = text(f); }
    else if (type === 'int') { if (int(f)) obj[name] = int(f); }
    else if (type === 'int*') obj[name] = int(f);
    else if (type === 'bool') { if (int(f)) obj[name] = true; }
    else if (type === 'bool*') obj[name] = int(f) !== 0;
    else if (type === 'strings') ((obj[name] ??= []) as string[]).push(text(f));
    else if (type === 'map' || type === 'quantities') {
      const [k, v] = entry(f, type === 'map' ? text : (e) => String(decode(e.value as Buffer, QUANTITY).string ?? ''));
      ((obj[name] ??= {}) as Record<string, string>)[k] = v;
    } else if (type === 'intOrString') {
      const v = decode(f.value as Buffer, { 1: ['type', 'int'], 2: ['intVal', 'int'], 3: ['strVal', 'string'] });
      obj[name] = v.type === 1 ? v.strVal ?? '' : v.intVal ?? 0;
    }
  }
  return obj;
}

/** The JSON shape of a workload object's protobuf `raw` bytes, or undefined for kinds this table does not know. */
export function decodeWorkloadProtobuf(apiVersion: string, kind: string, raw: Buffer): Record<string, unknown> | undefined {
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (!schema) return undefined;
  return { apiVersion, kind, metadata: {}, ...decode(raw, schema) };
}
