// The simulated shell's builtins and small utilities, with busybox's output and messages.
import { normalizePath } from '../../container-runtime/filesystem.js';
import { ExitSignal, LoopSignal } from '../state.js';
import { flags, type CommandContext, type CommandFn } from './types.js';

/** echo's backslash escapes (-e, and always in busybox sh's echo for \c). */
function echoEscapes(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    const c = s[++i];
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', b: '\b', e: '\x1b', v: '\v', f: '\f' };
    if (c === 'c') return { text: out, stop: true };
    if (c === '0') {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))![0];
      out += String.fromCharCode(parseInt(m || '0', 8));
      i += m.length;
    } else out += map[c!] ?? `\\${c}`;
  }
  return { text: out, stop: false };
}

const echo: CommandFn = async ({ argv, io }) => {
  let args = argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes('n')) newline = false;
    if (args[0].includes('e')) escapes = true;
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (escapes) {
    const r = echoEscapes(text);
    text = r.text;
    if (r.stop) newline = false;
  }
  io.stdout(newline ? `${text}\n` : text);
  return 0;
};

/** printf with %s %d %i %x %o %c %%, and the escapes of its format; the format is reused for extra arguments. */
const printf: CommandFn = async ({ argv, io }) => {
  const [fmt, ...args] = argv.slice(1);
  if (fmt === undefined) {
    io.stderr('printf: usage: printf FORMAT [ARGUMENT...]\n');
    return 1;
  }
  let out = '';
  let i = 0;
  do {
    out += echoEscapes(fmt).text.replace(/%(-?\d*)([sdixoc%])/g, (_m, width: string, conv: string) => {
      if (conv === '%') return '%';
      const arg = args[i++] ?? '';
      let v: string;
      if (conv === 's') v = arg;
      else if (conv === 'c') v = arg.slice(0, 1);
      else {
        const n = Number.parseInt(arg || '0', 10) || 0;
        v = conv === 'x' ? n.toString(16) : conv === 'o' ? n.toString(8) : String(n);
      }
      const w = Number(width.replace('-', '')) || 0;
      return width.startsWith('-') ? v.padEnd(w) : v.padStart(w);
    });
  } while (i < args.length && i > 0);
  io.stdout(out);
  return 0;
};

const env: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1);
  const extra: Array<[string, string]> = [];
  while (args[0] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[0])) {
    const a = args.shift()!;
    extra.push([a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]);
  }
  if (args.length) {
    const sub = ctx.shell.fork();
    for (const [k, v] of extra) {
      sub.state.vars.set(k, v);
      sub.state.exported.add(k);
    }
    return sub.exec(args, ctx.io);
  }
  const vars = new Map(ctx.state.environment());
  for (const [k, v] of extra) vars.set(k, v);
  ctx.io.stdout([...vars].map(([k, v]) => `${k}=${v}\n`).join(''));
  return 0;
};

const printenv: CommandFn = async ({ argv, io, state }) => {
  const names = argv.slice(1);
  const vars = new Map(state.environment());
  if (!names.length) {
    io.stdout([...vars].map(([k, v]) => `${k}=${v}\n`).join(''));
    return 0;
  }
  let status = 0;
  for (const n of names) {
    const v = vars.get(n);
    if (v === undefined) status = 1;
    else io.stdout(`${v}\n`);
  }
  return status;
};

const exit: CommandFn = async ({ argv, state }) => {
  throw new ExitSignal(argv[1] === undefined ? state.lastStatus : (Number.parseInt(argv[1], 10) & 0xff) || 0);
};

const cd: CommandFn = async ({ argv, io, state, host }) => {
  const target = normalizePath(state.cwd, argv[1] ?? state.vars.get('HOME') ?? '/');
  const node = host.fs.stat(target);
  if (!node || node.type !== 'dir') {
    io.stderr(`sh: cd: can't cd to ${argv[1]}: ${node ? 'Not a directory' : 'No such file or directory'}\n`);
    return 2;
  }
  state.cwd = target;
  state.vars.set('PWD', target);
  return 0;
};

const sleep: CommandFn = async ({ argv, io, host }) => {
  const arg = argv[1];
  if (arg === undefined) {
    io.stderr('sleep: missing operand\n');
    return 1;
  }
  const seconds = arg === 'infinity' ? Infinity : Number(arg.replace(/s$/, ''));
  if (Number.isNaN(seconds)) {
    io.stderr(`sleep: invalid number '${arg}'\n`);
    return 1;
  }
  return new Promise((resolve) => {
    if (host.signal.aborted) return resolve(143);
    const timer = Number.isFinite(seconds) ? setTimeout(() => done(0), seconds * 1000) : undefined;
    const done = (code: number) => {
      clearTimeout(timer);
      host.signal.removeEventListener('abort', onAbort);
      resolve(code);
    };
    const onAbort = () => done(143);
    host.signal.addEventListener('abort', onAbort);
  });
};

const exportCmd: CommandFn = async ({ argv, state, io }) => {
  if (argv.length === 1 || argv[1] === '-p') {
    io.stdout(state.environment().map(([k, v]) => `export ${k}=${JSON.stringify(v)}\n`).join(''));
    return 0;
  }
  for (const a of argv.slice(1)) {
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (eq >= 0) state.vars.set(name, a.slice(eq + 1));
    state.exported.add(name);
  }
  return 0;
};

const unset: CommandFn = async ({ argv, state }) => {
  for (const n of argv.slice(1)) {
    state.vars.delete(n);
    state.exported.delete(n);
  }
  return 0;
};

/** read [-r] NAME...: one line of stdin, split across the names. */
const read: CommandFn = async ({ argv, io, state }) => {
  const { rest } = flags(argv.slice(1), 'rs');
  let line = '';
  for (;;) {
    const chunk = await io.stdin.read();
    if (!chunk) {
      if (!line) return 1;
      break;
    }
    const text = chunk.toString('utf8');
    const nl = text.indexOf('\n');
    if (nl >= 0) {
      line += text.slice(0, nl);
      break;
    }
    line += text;
  }
  const names = rest.length ? rest : ['REPLY'];
  const words = line.trim().split(/[ \t]+/);
  names.forEach((n, i) => state.vars.set(n, i === names.length - 1 ? words.slice(i).join(' ') : words[i] ?? ''));
  return 0;
};

const uname: CommandFn = async ({ argv, io, host }) => {
  const { set } = flags(argv.slice(1), 'asnrvmo');
  const all = set.has('a');
  const parts: string[] = [];
  if (all || set.has('s') || set.size === 0) parts.push('Linux');
  if (all || set.has('n')) parts.push(host.hostname);
  if (all || set.has('r')) parts.push('6.8.0-sim');
  if (all || set.has('v')) parts.push('#1 SMP');
  if (all || set.has('m')) parts.push('x86_64');
  if (all || set.has('o')) parts.push('GNU/Linux');
  io.stdout(`${parts.join(' ')}\n`);
  return 0;
};

const seq: CommandFn = async ({ argv, io }) => {
  const nums = argv.slice(1).map(Number);
  const [first, step, last] = nums.length === 1 ? [1, 1, nums[0]!] : nums.length === 2 ? [nums[0]!, 1, nums[1]!] : [nums[0]!, nums[1]!, nums[2]!];
  let out = '';
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) out += `${n}\n`;
  io.stdout(out);
  return 0;
};

const loop = (kind: 'break' | 'continue'): CommandFn => async ({ argv }) => {
  throw new LoopSignal(kind, Number(argv[1] ?? 1) || 1);
};

const text = (value: (ctx: CommandContext) => string): CommandFn => async (ctx) => {
  ctx.io.stdout(`${value(ctx)}\n`);
  return 0;
};

export const BASIC: Record<string, CommandFn> = {
  echo, printf, env, printenv, exit, cd, sleep, export: exportCmd, unset, read, uname, seq,
  break: loop('break'), continue: loop('continue'),
  true: async () => 0,
  ':': async () => 0,
  false: async () => 1,
  hostname: text(({ host }) => host.hostname),
  pwd: text(({ state }) => state.cwd),
  whoami: text(() => 'root'),
  id: text(() => 'uid=0(root) gid=0(root) groups=0(root),10(wheel)'),
  date: text(({ host }) => host.now().toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1 $3 $2 $5 UTC $4')),
  basename: text(({ argv }) => (argv[1] ?? '').replace(/\/+$/, '').split('/').pop()!.replace(argv[2] ?? '\0', '')),
  dirname: text(({ argv }) => {
    const p = (argv[1] ?? '.').replace(/\/+$/, '');
    const i = p.lastIndexOf('/');
    return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
  }),
  set: async () => 0,
};
