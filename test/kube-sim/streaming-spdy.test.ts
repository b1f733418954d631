// SPDY/3.1 in the simulator: the codec as pure functions (frames, header blocks through the shared zlib
// context, the SPDY/3 dictionary), and exec, cp and attach with kubectl forced onto its SPDY fallback.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FrameReader, HeaderCodec, SPDY3_DICTIONARY, TYPE, u32 } from '../../infra/kube-sim/streaming/spdy/frames.js';
import { hasKubectl } from '../helpers/kubectl.js';
import { simplePod, startStreamingHost, type StreamingHost } from './streaming-harness.js';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

t.test('when the SPDY/3 dictionary is built, then it is the draft\'s 1423 bytes (zlib dictionary id e3c6a7c2)', async (t) => {
  t.equal(SPDY3_DICTIONARY.length, 1423);
  t.equal(adler32(SPDY3_DICTIONARY).toString(16), 'e3c6a7c2');
});

t.test('when frames arrive split at any byte, then the reader cuts them whole and in order', async (t) => {
  const bytes = Buffer.concat([controlFrame(TYPE.PING, 0, u32(7)), dataFrame(3, 1, Buffer.from('hello')), controlFrame(TYPE.RST_STREAM, 0, u32(3, 5))]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const r = new FrameReader();
    const frames = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))];
    t.same(frames.map((f) => (f.control ? `c${f.type}:${f.payload.toString('hex')}` : `d${f.streamId}:${f.flags}:${f.data}`)), ['c6:00000007', 'd3:1:hello', 'c3:0000000300000005'], `cut at ${cut}`);
  }
});

t.test('when header blocks go through one compression context, then every block decodes in turn', async (t) => {
  const a = new HeaderCodec();
  const b = new HeaderCodec();
  const blocks = [
    new Map([['streamtype', 'error'], ['port', '8080'], ['requestid', '0']]),
    new Map([['streamtype', 'data'], ['port', '8080'], ['requestid', '0']]),
    new Map<string, string>(),
  ];
  // a compresses (one deflate context), b decompresses (one inflate context): as a connection's two ends.
  for (const h of blocks) t.same([...(await b.decompress(await a.compress(h)))], [...h]);
  a.close();
  b.close();
  t.same([...decodeHeaderBlock(encodeHeaderBlock(new Map([['StreamType', 'stdin']])))], [['streamtype', 'stdin']], 'names are lowercased');
});

let host: StreamingHost;
t.before(async () => {
  host = await startStreamingHost('streaming-spdy');
  await host.runPod(simplePod('web', { env: [{ name: 'WHERE', value: 'spdy' }] }));
});
t.teardown(() => host.close());

function kubectlSpdy(input: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', [...host.kubectl.baseArgs, ...args], { env: { ...process.env, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

t.test('when kubectl execs over SPDY, then output, stdin and the exit code travel on their streams', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const run = await kubectlSpdy('', 'exec', 'web', '--', 'sh', '-c', 'echo over $WHERE; echo warn >&2; exit 6');
  t.equal(run.code, 6);
  t.equal(run.stdout, 'over spdy\n');
  t.equal(run.stderr, 'warn\ncommand terminated with exit code 6\n');
  const piped = await kubectlSpdy('echo piped\nexit 0\n', 'exec', '-i', 'web', '--', 'sh');
  t.equal(piped.code, 0, piped.stderr);
  t.equal(piped.stdout, 'piped\n');
  const missing = await kubectlSpdy('', 'exec', 'web', '--', 'nosuch');
  t.match(missing.stderr, /^error: Internal error occurred: error executing command in container: .*"nosuch": executable file not found in \$PATH/);
});

t.test('when kubectl cp runs over SPDY, then files go in and come back', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-spdy-cp-'));
  writeFileSync(join(dir, 'in.txt'), 'through spdy\n');
  const into = await kubectlSpdy('', 'cp', join(dir, 'in.txt'), 'web:/tmp/in.txt');
  t.equal(into.code, 0, into.stderr);
  const back = await kubectlSpdy('', 'cp', 'web:/tmp/in.txt', join(dir, 'back.txt'));
  t.equal(back.code, 0, back.stderr);
  t.equal(readFileSync(join(dir, 'back.txt'), 'utf8'), 'through spdy\n');
});

t.test('when kubectl attaches over SPDY to a shell container, then the shell runs what it sends', { skip: !hasKubectl && 'no kubectl' }, async (t) => {
  await host.runPod(simplePod('shell', { image: 'busybox', stdin: true }, { restartPolicy: 'Never' }));
  const attached = await kubectlSpdy('echo hello over spdy\nexit 0\n', 'attach', '-i', 'shell');
  t.match(attached.stdout, /hello over spdy\n/);
  const pod = await host.waitForPod('shell', (p) => p.status?.phase === 'Succeeded');
  t.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
});
