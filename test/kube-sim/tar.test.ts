// The simulator's tar reader and writer: round trips, long names (ustar prefix and PAX), and interop with the
// system's GNU tar both ways, plus tar inside the simulated shell as kubectl cp drives it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { bufferSource } from '../../infra/kube-sim/container-runtime/byte-pipe.js';
import { SimFs } from '../../infra/kube-sim/container-runtime/filesystem.js';
import { Shell } from '../../infra/kube-sim/shell/interpreter.js';
import { ShellState } from '../../infra/kube-sim/shell/state.js';
import { readTar, TarError, writeTar, type TarEntry } from '../../infra/kube-sim/shell/tar.js';

const mtime = new Date('2024-05-06T07:08:09Z');
const file = (name: string, text: string, mode = 0o644): TarEntry => ({ name, type: 'file', mode, mtime, data: Buffer.from(text) });
const dir = (name: string): TarEntry => ({ name, type: 'dir', mode: 0o755, mtime, data: Buffer.alloc(0) });
const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}.txt`;
const veryLong = `${'x'.repeat(120)}/${'y'.repeat(120)}/${'z'.repeat(120)}`;

const roundTrips: Array<[string, TarEntry[]]> = [
  ['one file', [file('a.txt', 'hello\n')]],
  ['an empty file and a directory', [dir('d'), file('d/empty', '')]],
  ['a file of exactly one block', [file('block', 'b'.repeat(512))]],
  ['an executable mode', [file('run.sh', '#!/bin/sh\n', 0o755)]],
  ['a name that needs the ustar prefix', [file(long, 'deep')]],
  ['a name that needs a PAX record', [file(veryLong, 'deeper')]],
  ['utf-8 content and names', [file('héllo/wörld.txt', 'ünïcode ✓')]],
];

for (const [name, entries] of roundTrips) {
  t.test(`when ${name} is written and read back, then names, types, modes, times and bytes survive`, async (t) => {
    const archive = writeTar(entries);
    t.equal(archive.length % 512, 0);
    const back = readTar(archive);
    t.same(back.map((e) => [e.name.replace(/\/$/, ''), e.type, e.mode, e.mtime.getTime(), e.data.toString()]), entries.map((e) => [e.name, e.type, e.mode, e.mtime.getTime(), e.data.toString()]));
  });
}

t.test('when a header checksum is wrong, then reading fails as tar does', async (t) => {
  const archive = writeTar([file('a', 'x')]);
  archive[0] = 0x41;
  t.throws(() => readTar(archive), { message: 'invalid tar header checksum' });
  t.ok((() => { try { readTar(archive); } catch (e) { return e instanceof TarError; } return false; })());
  t.same(readTar(Buffer.alloc(1024)), [], 'two zero blocks are an empty archive');
});

const hasTar = spawnSync('tar', ['--version']).status === 0;

t.test('when GNU tar reads what the simulator writes, and the reverse, then both see the same files', { skip: !hasTar && 'no tar on PATH' }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'sim-tar-'));
  writeFileSync(join(work, 'ours.tar'), writeTar([dir('top'), file('top/a.txt', 'from the simulator\n'), file(`top/${long}`, 'long')]));
  mkdirSync(join(work, 'out'));
  const x = spawnSync('tar', ['xf', join(work, 'ours.tar'), '-C', join(work, 'out')], { encoding: 'utf8' });
  t.equal(x.status, 0, x.stderr);
  t.equal(readFileSync(join(work, 'out/top/a.txt'), 'utf8'), 'from the simulator\n');
  t.equal(readFileSync(join(work, 'out/top', long), 'utf8'), 'long');

  mkdirSync(join(work, 'src/sub'), { recursive: true });
  writeFileSync(join(work, 'src/sub/b.txt'), 'from GNU tar\n');
  writeFileSync(join(work, `src/${'q'.repeat(150)}`), 'gnu long name');
  for (const format of ['gnu', 'posix', 'ustar']) {
    if (format === 'ustar') continue; // a 150-character single segment does not fit ustar
    const c = spawnSync('tar', [`--format=${format}`, '-cf', '-', '-C', work, 'src'], { maxBuffer: 1 << 20 });
    t.equal(c.status, 0);
    const entries = readTar(c.stdout);
    const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ''), e]));
    t.equal(byName.get('src/sub/b.txt')?.data.toString(), 'from GNU tar\n', `${format}: a nested file`);
    t.equal(byName.get(`src/${'q'.repeat(150)}`)?.data.toString(), 'gnu long name', `${format}: a long name`);
    t.equal(byName.get('src/sub')?.type, 'dir');
  }
});

async function shell(fs: SimFs, script: string, stdin: Buffer = Buffer.alloc(0)) {
  const sh = new Shell({ fs, hostname: 'h', signal: new AbortController().signal, unknownCommand: 'not-found', now: () => mtime }, new ShellState([], '/'));
  const out: Buffer[] = [];
  let err = '';
  const code = await sh.run(script, { stdin: bufferSource(stdin), stdout: (d) => out.push(Buffer.from(d)), stderr: (d) => (err += d) });
  return { code, out: Buffer.concat(out), err };
}

t.test('when kubectl cp copies out and back in through tar, then the tree arrives whole', async (t) => {
  const fs = new SimFs(() => mtime);
  fs.mkdirp('/data/nested');
  fs.writeFile('/data/one', Buffer.from('1\n'));
  fs.writeFile('/data/nested/two', Buffer.from('2\n'));
  const out = await shell(fs, 'tar cf - /data');
  t.equal(out.code, 0);
  t.equal(out.err, "tar: Removing leading `/' from member names\n");
  t.same(readTar(out.out).map((e) => e.name), ['data/', 'data/nested/', 'data/nested/two', 'data/one']);

  const into = new SimFs(() => mtime);
  into.mkdirp('/restore');
  const x = await shell(into, 'tar xmf - -C /restore', out.out);
  t.equal(x.code, 0, x.err);
  t.equal(into.readFile('/restore/data/nested/two').toString(), '2\n');
  const y = await shell(into, 'cd /restore && tar --no-same-permissions --no-same-owner -xmf -', writeTar([file('plain.txt', 'p')]));
  t.equal(y.code, 0);
  t.equal(into.readFile('/restore/plain.txt').toString(), 'p');
  const relative = await shell(into, 'tar cf - -C /restore data/one');
  t.same(readTar(relative.out).map((e) => e.name), ['data/one']);
});

t.test('when tar is given bad input or a missing path, then it fails with GNU tar words and status 2', async (t) => {
  const fs = new SimFs();
  const notTar = await shell(fs, 'tar xf -', Buffer.from('definitely not a tar archive'.repeat(30)));
  t.equal(notTar.code, 2);
  t.equal(notTar.err, 'tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n');
  const missing = await shell(fs, 'tar cf - /nope');
  t.equal(missing.code, 2);
  t.match(missing.err, /tar: \/nope: Cannot stat: No such file or directory\n/);
  const escape = await shell(fs, 'tar xf -', writeTar([file('../evil', 'x')]));
  t.equal(escape.code, 2);
  t.match(escape.err, /Member name contains '\.\.'/);
});
