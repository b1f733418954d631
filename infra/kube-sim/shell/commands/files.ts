// File commands of the simulated shell over the container's filesystem: cat, ls, mkdir, touch, rm, cp, mv,
// head, tail, wc, grep and test, with busybox's messages (`cat: can't open 'x': No such file or directory`).
import { readAll } from '../../container-runtime/byte-pipe.js';
import { FsError, normalizePath, type FsNode } from '../../container-runtime/filesystem.js';
import { flags, type CommandContext, type CommandFn } from './types.js';

const path = (ctx: CommandContext, p: string) => normalizePath(ctx.state.cwd, p);

/** The bytes of each operand ("-" or none: stdin), reporting unreadable ones; false if any failed. */
async function inputs(ctx: CommandContext, name: string, operands: string[], each: (data: Buffer, file: string) => void): Promise<boolean> {
  let ok = true;
  for (const f of operands.length ? operands : ['-']) {
    if (f === '-') {
      each(await readAll(ctx.io.stdin), f);
      continue;
    }
    try {
      each(ctx.host.fs.readFile(path(ctx, f)), f);
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      ctx.io.stderr(err.code === 'EISDIR' ? `${name}: read error: Is a directory\n` : `${name}: can't open '${f}': ${err.message}\n`);
      ok = false;
    }
  }
  return ok;
}

const cat: CommandFn = async (ctx) => ((await inputs(ctx, 'cat', ctx.argv.slice(1).filter((a) => a === '-' || !a.startsWith('-')), (d) => ctx.io.stdout(d))) ? 0 : 1);

function modeString(node: FsNode): string {
  const bits = ['r', 'w', 'x'];
  let s = node.type === 'dir' ? 'd' : '-';
  for (let i = 8; i >= 0; i--) s += node.mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  if (node.mode & 0o1000) s = `${s.slice(0, 9)}${node.mode & 1 ? 't' : 'T'}`;
  return s;
}

function longLine(node: FsNode, name: string): string {
  const size = node.type === 'file' ? node.data!.length : 4096;
  const d = node.mtime;
  const month = d.toUTCString().split(' ')[2];
  const time = `${month} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${modeString(node)}    1 root     root     ${String(size).padStart(9)} ${time} ${name}`;
}

const ls: CommandFn = async (ctx) => {
  const { set, rest, bad } = flags(ctx.argv.slice(1), 'laA1dRhF');
  if (bad) {
    ctx.io.stderr(`ls: unrecognized option: ${bad}\n`);
    return 1;
  }
  const fs = ctx.host.fs;
  const operands = rest.length ? rest : ['.'];
  let status = 0;
  const files: string[] = [];
  const dirs: string[] = [];
  for (const op of operands) {
    const node = fs.stat(path(ctx, op));
    if (!node) {
      ctx.io.stderr(`ls: ${op}: No such file or directory\n`);
      status = 1;
    } else if (node.type === 'dir' && !set.has('d')) dirs.push(op);
    else files.push(op);
  }
  const show = (names: string[], base: string) => {
    if (set.has('l')) return names.map((n) => `${longLine(fs.stat(normalizePath(path(ctx, base), n))!, n)}\n`).join('');
    return names.map((n) => `${n}\n`).join('');
  };
  let out = show(files.sort(), '.');
  const listDir = (d: string, header: boolean) => {
    let names = fs.list(path(ctx, d));
    if (!set.has('a') && !set.has('A')) names = names.filter((n) => !n.startsWith('.'));
    const shown = set.has('a') ? ['.', '..', ...names] : names;
    if (header) out += `${out ? '\n' : ''}${d}:\n`;
    if (set.has('l')) out += `total ${shown.length * 4}\n`;
    out += show(shown, d);
    if (set.has('R')) {
      for (const n of names) {
        const child = d.endsWith('/') ? `${d}${n}` : `${d}/${n}`;
        if (fs.stat(path(ctx, child))?.type === 'dir') listDir(child, true);
      }
    }
  };
  for (const d of dirs.sort()) listDir(d, operands.length > 1 || set.has('R'));
  ctx.io.stdout(out);
  return status;
};

function fileOp(name: string, op: (ctx: CommandContext, target: string, set: Set<string>) => void, known = ''): CommandFn {
  return async (ctx) => {
    const { set, rest } = flags(ctx.argv.slice(1), known);
    if (!rest.length) {
      ctx.io.stderr(`${name}: missing operand\n`);
      return 1;
    }
    let status = 0;
    for (const f of rest) {
      try {
        op(ctx, f, set);
      } catch (err) {
        if (!(err instanceof FsError)) throw err;
        if (!(name === 'rm' && set.has('f') && err.code === 'ENOENT')) ctx.io.stderr(`${name}: ${name === 'rm' ? "can't remove" : "can't create"} '${f}': ${err.message}\n`);
        status = 1;
      }
    }
    return status;
  };
}

const mkdir = fileOp('mkdir', (ctx, f, set) => {
  const p = path(ctx, f);
  if (!set.has('p') && ctx.host.fs.stat(p)) throw new FsError('EEXIST', 'File exists');
  if (!set.has('p') && !ctx.host.fs.stat(normalizePath(p, '..'))) throw new FsError('ENOENT', 'No such file or directory');
  ctx.host.fs.mkdirp(p);
}, 'p');

const touch = fileOp('touch', (ctx, f) => {
  const p = path(ctx, f);
  const node = ctx.host.fs.stat(p);
  if (node) node.mtime = ctx.host.now();
  else ctx.host.fs.writeFile(p, Buffer.alloc(0));
});

const rm = fileOp('rm', (ctx, f, set) => {
  const p = path(ctx, f);
  const node = ctx.host.fs.stat(p);
  if (!node) throw new FsError('ENOENT', 'No such file or directory');
  if (node.type === 'dir' && !set.has('r') && !set.has('R')) throw new FsError('EISDIR', 'Is a directory');
  ctx.host.fs.remove(p);
}, 'rfR');

function copyOrMove(move: boolean): CommandFn {
  return async (ctx) => {
    const { rest } = flags(ctx.argv.slice(1), 'rRfpa');
    const name = move ? 'mv' : 'cp';
    if (rest.length < 2) {
      ctx.io.stderr(`${name}: missing operand\n`);
      return 1;
    }
    const fs = ctx.host.fs;
    const dest = path(ctx, rest[rest.length - 1]!);
    let status = 0;
    for (const src of rest.slice(0, -1)) {
      try {
        const from = path(ctx, src);
        const node = fs.stat(from);
        if (!node) throw new FsError('ENOENT', 'No such file or directory');
        const target = fs.stat(dest)?.type === 'dir' ? `${dest}/${from.split('/').pop()}` : dest;
        if (node.type === 'dir') fs.mount(target, structuredClone(node));
        else fs.writeFile(target, Buffer.from(node.data!), { mode: node.mode });
        if (move) fs.remove(from);
      } catch (err) {
        if (!(err instanceof FsError)) throw err;
        ctx.io.stderr(`${name}: can't stat '${src}': ${err.message}\n`);
        status = 1;
      }
    }
    return status;
  };
}

/** head/tail: -n N (or -N), -c N; tail also -c +N (from byte N on), as kubectl cp's resuming uses. */
function headTail(tail: boolean): CommandFn {
  return async (ctx) => {
    const name = tail ? 'tail' : 'head';
    const args = ctx.argv.slice(1);
    let lines = 10;
    let bytes: number | undefined;
    let fromStart = false;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const m = /^-([nc])(.*)$/.exec(a);
      if (m) {
        let v = m[2] || args[++i] || '';
        if (v.startsWith('+')) {
          fromStart = true;
          v = v.slice(1);
        }
        if (m[1] === 'n') lines = Number(v);
        else bytes = Number(v);
      } else if (/^-\d+$/.test(a)) lines = Number(a.slice(1));
      else if (a !== '-f') files.push(a);
    }
    return (await inputs(ctx, name, files, (data) => {
      if (bytes !== undefined) {
        ctx.io.stdout(tail ? (fromStart ? data.subarray(Math.max(0, bytes - 1)) : data.subarray(Math.max(0, data.length - bytes))) : data.subarray(0, bytes));
        return;
      }
      const all = data.toString('utf8').split(/(?<=\n)/);
      ctx.io.stdout((tail ? (fromStart ? all.slice(Math.max(0, lines - 1)) : all.slice(-lines || all.length)) : all.slice(0, lines)).join(''));
    })) ? 0 : 1;
  };
}

const wc: CommandFn = async (ctx) => {
  const { set, rest } = flags(ctx.argv.slice(1), 'lwc');
  const rows: string[] = [];
  const ok = await inputs(ctx, 'wc', rest, (data, file) => {
    const text = data.toString('utf8');
    const counts: number[] = [];
    const all = set.size === 0;
    if (all || set.has('l')) counts.push((text.match(/\n/g) ?? []).length);
    if (all || set.has('w')) counts.push(text.split(/\s+/).filter(Boolean).length);
    if (all || set.has('c')) counts.push(data.length);
    rows.push(`${counts.map((c) => String(c).padStart(all ? 7 : 0)).join(' ')}${file === '-' ? '' : ` ${file}`}`.trimStart());
  });
  ctx.io.stdout(rows.map((r) => `${r}\n`).join(''));
  return ok ? 0 : 1;
};

const grep: CommandFn = async (ctx) => {
  const { set, rest } = flags(ctx.argv.slice(1), 'ivcqnFE');
  const [pattern, ...files] = rest;
  if (pattern === undefined) {
    ctx.io.stderr('Usage: grep [-ivcqnFE] PATTERN [FILE]...\n');
    return 2;
  }
  const re = new RegExp(set.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern, set.has('i') ? 'i' : '');
  let matched = 0;
  const ok = await inputs(ctx, 'grep', files, (data, file) => {
    data.toString('utf8').split('\n').forEach((line, i, all) => {
      if (i === all.length - 1 && line === '') return;
      if (re.test(line) === set.has('v')) return;
      matched++;
      if (!set.has('q') && !set.has('c')) ctx.io.stdout(`${files.length > 1 ? `${file}:` : ''}${set.has('n') ? `${i + 1}:` : ''}${line}\n`);
    });
  });
  if (set.has('c')) ctx.io.stdout(`${matched}\n`);
  return !ok ? 2 : matched ? 0 : 1;
};

/** test / [: file tests, string tests and integer comparisons, with ! and -a/-o left out. */
const test: CommandFn = async (ctx) => {
  let args = ctx.argv.slice(1);
  if (ctx.argv[0] === '[') {
    if (args[args.length - 1] !== ']') {
      ctx.io.stderr('[: missing ]\n');
      return 2;
    }
    args = args.slice(0, -1);
  }
  let negate = false;
  if (args[0] === '!') {
    negate = true;
    args = args.slice(1);
  }
  const node = (p: string) => ctx.host.fs.stat(path(ctx, p));
  let r: boolean;
  if (args.length === 0) r = false;
  else if (args.length === 1) r = args[0] !== '';
  else if (args.length === 2) {
    const [op, a] = args as [string, string];
    const n = node(a);
    const checks: Record<string, () => boolean> = {
      '-e': () => !!n, '-f': () => n?.type === 'file', '-d': () => n?.type === 'dir', '-s': () => !!n && (n.type === 'dir' || n.data!.length > 0),
      '-r': () => !!n, '-w': () => !!n && !n.readOnly, '-x': () => !!n && (n.mode & 0o111) !== 0, '-z': () => a === '', '-n': () => a !== '',
      '-L': () => false, '-h': () => false,
    };
    r = checks[op]?.() ?? false;
  } else {
    const [a, op, b] = args as [string, string, string];
    const ints: Record<string, (x: number, y: number) => boolean> = {
      '-eq': (x, y) => x === y, '-ne': (x, y) => x !== y, '-lt': (x, y) => x < y, '-le': (x, y) => x <= y, '-gt': (x, y) => x > y, '-ge': (x, y) => x >= y,
    };
    if (op === '=' || op === '==') r = a === b;
    else if (op === '!=') r = a !== b;
    else if (ints[op]) r = ints[op]!(Number(a), Number(b));
    else {
      ctx.io.stderr(`sh: ${op}: unknown operand\n`);
      return 2;
    }
  }
  return r !== negate ? 0 : 1;
};

export const FILES: Record<string, CommandFn> = {
  cat, ls, mkdir, touch, rm, cp: copyOrMove(false), mv: copyOrMove(true), head: headTail(false), tail: headTail(true), wc, grep, test, '[': test,
};
