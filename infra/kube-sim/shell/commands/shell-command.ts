// sh (and its names bash, ash): `sh -c SCRIPT [NAME [ARG...]]`, `sh FILE [ARG...]`, or commands read from
// stdin; plus exec, which, command and type, which ask about or replace the running command.
import { normalizePath } from '../../container-runtime/filesystem.js';
import { runSession } from '../session.js';
import { ExitSignal } from '../state.js';
import type { CommandFn } from './types.js';

export const sh: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1).filter((a, i) => !(i === 0 && (a === '-s' || a === '-i' || a === '-l' || a === '-e' || a === '-x')));
  const sub = ctx.shell.fork();
  sub.state.name = ctx.argv[0]!.split('/').pop()!;
  if (args[0] === '-c') {
    if (args[1] === undefined) {
      ctx.io.stderr(`${sub.state.name}: -c requires an argument\n`);
      return 2;
    }
    if (args[2] !== undefined) sub.state.name = args[2];
    sub.state.positional = args.slice(3);
    return sub.run(args[1], ctx.io);
  }
  if (args[0] !== undefined) {
    const path = normalizePath(ctx.state.cwd, args[0]);
    const node = ctx.host.fs.stat(path);
    if (!node || node.type !== 'file') {
      ctx.io.stderr(`${sub.state.name}: can't open '${args[0]}': No such file or directory\n`);
      return 2;
    }
    sub.state.name = args[0];
    sub.state.positional = args.slice(1);
    return sub.run(node.data!.toString('utf8'), ctx.io);
  }
  const io = ctx.io as typeof ctx.io & { interactive?: boolean; onInterrupt?(l: () => void): void };
  return runSession(sub, { ...ctx.io, interactive: !!io.interactive, onInterrupt: io.onInterrupt });
};

/** exec CMD: the command replaces the shell, so its status ends the script. */
export const exec: CommandFn = async (ctx) => {
  if (ctx.argv.length < 2) return 0;
  throw new ExitSignal(await ctx.shell.exec(ctx.argv.slice(1), ctx.io));
};
