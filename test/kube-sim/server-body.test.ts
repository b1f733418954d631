import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { syncStatusOf } from './api-test-helpers.js';
import { decodeObject, decodePatch, patchTypeOf, readBody } from '../../infra/kube-sim/body.js';
import { decodeProtobufObject } from '../../infra/kube-sim/protobuf.js';


// A minimal protobuf writer, enough to build the envelopes kubectl sends.
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const bytes = (no: number, payload: Buffer | string) => {
  const b = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return Buffer.from([...varint((no << 3) | 2), ...varint(b.length), ...b]);
};
const int = (no: number, n: number) => Buffer.from([...varint(no << 3), ...varint(n)]);
const msg = (...parts: Buffer[]) => Buffer.concat(parts);
const entry = (no: number, k: string, v: string | Buffer) => bytes(no, msg(bytes(1, k), bytes(2, v)));
const envelope = (kind: string, raw: Buffer, apiVersion = 'v1') =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytes(1, msg(bytes(1, apiVersion), bytes(2, kind))), bytes(2, raw), bytes(3, ''), bytes(4, '')]);
const PB = 'application/vnd.kubernetes.protobuf';

t.test('when kubectl-style protobuf bodies arrive, then they decode to the JSON object shape', async (t) => {
  const meta = msg(bytes(1, 'settings'), bytes(2, ''), bytes(3, 'team'), bytes(8, msg()), entry(11, 'app', 'web'), entry(12, 'note', 'hi'), bytes(14, 'keep'), int(7, 2));
  t.same(decodeProtobufObject(envelope('ConfigMap', msg(bytes(1, meta), entry(2, 'a', 'b'), entry(3, 'bin', Buffer.from([1, 2])), int(4, 1))), PB), {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'team', labels: { app: 'web' }, annotations: { note: 'hi' }, finalizers: ['keep'], generation: 2 },
    data: { a: 'b' }, binaryData: { bin: 'AQI=' }, immutable: true,
  });
  t.same(decodeProtobufObject(envelope('Secret', msg(bytes(1, bytes(1, 's')), entry(2, 'p', 'hunter2'), bytes(3, 'kubernetes.io/tls'), entry(4, 'x', 'y'))), PB), {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'aHVudGVyMg==' }, type: 'kubernetes.io/tls', stringData: { x: 'y' },
  });
  t.same(decodeProtobufObject(envelope('Namespace', msg(bytes(1, bytes(1, 'team')), bytes(2, bytes(1, 'kubernetes')))), PB), {
    apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' }, spec: { finalizers: ['kubernetes'] },
  });
  t.same(decodeProtobufObject(envelope('ServiceAccount', msg(bytes(1, bytes(1, 'robot')), bytes(3, bytes(1, 'pull')), int(4, 0))), PB), {
    apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' }, imagePullSecrets: [{ name: 'pull' }], automountServiceAccountToken: false,
  });
  t.same(decodeObject(envelope('Namespace', bytes(1, bytes(1, 'via-body'))), PB, 'Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'via-body' } });
});

t.test('when a protobuf body is of an unknown kind, not an envelope or truncated, then 415 or 400', async (t) => {
  t.match(syncStatusOf(() => decodeProtobufObject(envelope('CronJob', bytes(1, bytes(1, 'd')), 'batch/v1'), PB)), { code: 415, reason: 'UnsupportedMediaType' });
  t.match(syncStatusOf(() => decodeProtobufObject(envelope('DaemonSet', bytes(1, bytes(1, 'd')), 'apps/v1'), PB)), { code: 415, reason: 'UnsupportedMediaType' });
  t.match(syncStatusOf(() => decodeProtobufObject(Buffer.from('{}'), PB)), { code: 415 });
  const truncated = envelope('ConfigMap', bytes(1, bytes(1, 'x'))).subarray(0, 20);
  t.match(syncStatusOf(() => decodeProtobufObject(truncated, PB)), { code: 400, reason: 'BadRequest' });
});

t.test('when JSON or YAML bodies are decoded, then bad bytes and unknown types are the real errors', async (t) => {
  t.same(decodeObject(Buffer.from('{"a":1}'), 'application/json; charset=utf-8', 'Pod'), { a: 1 });
  t.same(decodeObject(Buffer.from('{"a":1}'), undefined, 'Pod'), { a: 1 });
  t.same(decodeObject(Buffer.from('a: 1\n'), 'application/yaml', 'Pod'), { a: 1 });
  t.match(syncStatusOf(() => decodeObject(Buffer.from('{'), 'application/json', 'Pod')), { code: 400, message: /^the object provided is unrecognized \(must be of type Pod\): couldn't get version\/kind; json parse error: / });
  t.match(syncStatusOf(() => decodeObject(Buffer.from('a: [1'), 'application/yaml', 'Pod')), { code: 400, message: /yaml parse error/ });
  t.match(syncStatusOf(() => decodeObject(Buffer.from('x'), 'text/plain', 'Pod')), { code: 415, message: /got text\/plain/ });
  t.same(decodePatch(Buffer.from('[{"op":"remove","path":"/a"}]'), 'json'), [{ op: 'remove', path: '/a' }]);
  t.same(decodePatch(Buffer.from('metadata:\n  name: x\n'), 'apply'), { metadata: { name: 'x' } });
  t.match(syncStatusOf(() => decodePatch(Buffer.from('{'), 'merge')), { code: 400, message: /^error decoding patch: / });
});

t.test('when a patch Content-Type is given, then the four patch types map and anything else is 415', async (t) => {
  t.equal(patchTypeOf('application/json-patch+json'), 'json');
  t.equal(patchTypeOf('application/merge-patch+json'), 'merge');
  t.equal(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8'), 'strategic');
  t.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
  t.match(syncStatusOf(() => patchTypeOf('application/json')), { code: 415, reason: 'UnsupportedMediaType' });
  t.match(syncStatusOf(() => patchTypeOf(undefined)), { code: 415 });
});

t.test('when a body is read, then it is limited by declared and by streamed size', async (t) => {
  const stream = (chunks: string[], headers: Record<string, string> = {}) => Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), { headers }) as unknown as IncomingMessage;
  t.equal((await readBody(stream(['ab', 'cd']), 10)).toString(), 'abcd');
  t.equal((await readBody(stream(['abcd']), 10)).toString(), 'abcd');
  const failure = (p: Promise<unknown>) => p.then(() => 'no error', (err: { status?: unknown }) => err.status);
  t.match(await failure(readBody(stream(['abcdef', 'ghijkl']), 10)), { code: 413, message: 'Request entity too large: limit is 10' });
  t.match(await failure(readBody(stream([], { 'content-length': '11' }), 10)), { code: 413 });
});
