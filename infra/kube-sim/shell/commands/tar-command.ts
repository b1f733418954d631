// tar as kubectl cp and client-node's cp run it: `tar cf - [-C dir] path...` to copy out, `tar -xmf -`,
// `tar xmf - -C dir` (and --no-same-permissions --no-same-owner) to copy in, `t` to list, `z` for gzip.
// GNU tar's messages, since the images people copy files into mostly ship it.
import { gunzipSync, gzipSync } from 'node:zlib';
import { readAll } from '../../container-runtime/byte-pipe.js';
import { FsError, normalizePath, type SimFs } from '../../container-runtime/filesystem.js';
import { readTar, TarError, writeTar, type TarEntry } from '../tar.js';
import type { CommandContext, CommandFn } from './types.js';

interface TarArgs {
  mode?: 'c' | 'x' | 't';
  file?: string;
  dir?: string;
  gzip: boolean;
  verbose: boolean;
  operands: string[];
}

function parseArgs(args: string[]): TarArgs | string {
  const out: TarArgs = { gzip: false, verbose: false, operands: [] };
  const letters = (s: string, rest: string[]) => {
    for (const c of s) {
      if (c === 'c' || c === 'x' || c === 't') out.mode = c;
      else if (c === 'f') out.file = rest.shift() ?? '';
      else if (c === 'C') out.dir = rest.shift() ?? '';
      else if (c === 'z') out.gzip = true;
      else if (c === 'v') out.verbose = true;
      else if (!'mpoO'.includes(c)) return `invalid option -- '${c}'`;
    }
    return undefined;
  };
  const rest = [...args];
  // The first word may be bundled letters without a dash: "cf", "xmf".
  if (rest[0] && !rest[0].startsWith('-')) {
    const err = letters(rest.shift()!, rest);
    if (err) return err;
  }
  while (rest.length) {
    const a = rest.shift()!;
    if (a === '--no-same-permissions' || a === '--no-same-owner' || a === '--preserve-permissions') continue;
    if (a.startsWith('--directory=')) out.dir = a.slice(12);
    else if (a.startsWith('--file=')) out.file = a.slice(7);
    else if (a.startsWith('--')) return `unrecognized option '${a}'`;
    else if (a.startsWith('-') && a !== '-') {
      const err = letters(a.slice(1), rest);
      if (err) return err;
    } else out.operands.push(a);
  }
  return out;
}

/** Entries for a path and everything under it, named as given (leading "/" removed). */
function collect(fs: SimFs, base: string, name: string, out: TarEntry[]): boolean {
  const node = fs.stat(normalizePath(base, name));
  if (!node) return false;
  const entryName = name.replace(/^\/+/, '').replace(/\/+$/, '') || '.';
  if (node.type === 'file') {
    out.push({ name: entryName, type: 'file', mode: node.mode, mtime: node.mtime, data: node.data! });
    return true;
  }
  out.push({ name: entryName, type: 'dir', mode: node.mode, mtime: node.mtime, data: Buffer.alloc(0) });
  for (const child of [...node.children!.keys()].sort()) collect(fs, base, `${name.replace(/\/+$/, '')}/${child}`, out);
  return true;
}

const FAILURE = 'tar: Exiting with failure status due to previous errors\n';

async function create(ctx: CommandContext, a: TarArgs, base: string): Promise<number> {
  if (!a.operands.length) {
    ctx.io.stderr('tar: Cowardly refusing to create an empty archive\nTry \'tar --help\' or \'tar --usage\' for more information.\n');
    return 2;
  }
  const entries: TarEntry[] = [];
  let failed = false;
  if (a.operands.some((o) => o.startsWith('/'))) ctx.io.stderr("tar: Removing leading `/' from member names\n");
  for (const op of a.operands) {
    if (!collect(ctx.host.fs, base, op, entries)) {
      ctx.io.stderr(`tar: ${op}: Cannot stat: No such file or directory\n`);
      failed = true;
    }
  }
  if (a.verbose) ctx.io.stderr(entries.map((e) => `${e.name}${e.type === 'dir' ? '/' : ''}\n`).join(''));
  let archive = writeTar(entries);
  if (a.gzip) archive = gzipSync(archive);
  if (a.file === '-') ctx.io.stdout(archive);
  else ctx.host.fs.writeFile(normalizePath(ctx.state.cwd, a.file!), archive);
  if (failed) ctx.io.stderr(FAILURE);
  return failed ? 2 : 0;
}

async function extract(ctx: CommandContext, a: TarArgs, base: string): Promise<number> {
  let archive = a.file === '-' ? await readAll(ctx.io.stdin) : ctx.host.fs.readFile(normalizePath(ctx.state.cwd, a.file!));
  let entries: TarEntry[];
  try {
    if (a.gzip || (archive[0] === 0x1f && archive[1] === 0x8b)) archive = gunzipSync(archive);
    entries = archive.length ? readTar(archive) : [];
  } catch (err) {
    if (!(err instanceof TarError) && !(err instanceof Error && 'code' in err)) throw err;
    ctx.io.stderr(`tar: This does not look like a tar archive\n${FAILURE}`);
    return 2;
  }
  if (a.mode === 't') {
    ctx.io.stdout(entries.map((e) => `${e.name}\n`).join(''));
    return 0;
  }
  let failed = false;
  const fs = ctx.host.fs;
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, '');
    if (name.split('/').includes('..')) {
      ctx.io.stderr(`tar: ${e.name}: Member name contains '..'\n`);
      failed = true;
      continue;
    }
    if (a.verbose) ctx.io.stdout(`${name}\n`);
    const target = normalizePath(base, name);
    try {
      if (e.type === 'dir') fs.mkdirp(target, e.mode || 0o755);
      else {
        fs.mkdirp(normalizePath(target, '..'));
        fs.writeFile(target, e.data, { mode: e.mode || 0o644 });
      }
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      ctx.io.stderr(`tar: ${name}: Cannot open: ${err.message}\n`);
      failed = true;
    }
  }
  if (failed) ctx.io.stderr(FAILURE);
  return failed ? 2 : 0;
}

export const tar: CommandFn = async (ctx) => {
  const a = parseArgs(ctx.argv.slice(1));
  if (typeof a === 'string') {
    ctx.io.stderr(`tar: ${a}\nTry 'tar --help' or 'tar --usage' for more information.\n`);
    return 2;
  }
  if (!a.mode) {
    ctx.io.stderr("tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\nTry 'tar --help' or 'tar --usage' for more information.\n");
    return 2;
  }
  a.file ??= '-';
  const base = normalizePath(ctx.state.cwd, a.dir ?? '.');
  const dir = ctx.host.fs.stat(base);
  if (!dir || dir.type !== 'dir') {
    ctx.io.stderr(`tar: ${a.dir}: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n`);
    return 2;
  }
  try {
    return a.mode === 'c' ? await create(ctx, a, base) : await extract(ctx, a, base);
  } catch (err) {
    if (!(err instanceof FsError)) throw err;
    ctx.io.stderr(`tar: ${a.file}: Cannot open: ${err.message}\ntar: Error is not recoverable: exiting now\n`);
    return 2;
  }
};
