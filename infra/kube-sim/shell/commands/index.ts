// The simulated container's programs, by name. A path in one of the usual bin directories (/bin/sh,
// /usr/bin/env) finds the same program; anything else is not there.
import { BASIC } from './basic.js';
import { FILES } from './files.js';
import { exec, sh } from './shell-command.js';
import { tar } from './tar-command.js';
import type { CommandFn } from './types.js';

const BIN_DIRS = new Set(['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);

const which: CommandFn = async ({ argv, io }) => {
  const names = argv.slice(1).filter((a) => a !== '-v');
  let status = 0;
  for (const n of names) {
    if (findCommand(n)) io.stdout(`${n.includes('/') ? n : `/bin/${n}`}\n`);
    else status = 1;
  }
  return status;
};

const COMMANDS: Record<string, CommandFn> = {
  ...BASIC, ...FILES, tar, sh, bash: sh, ash: sh, dash: sh, exec, which, command: which, type: which,
};

export function findCommand(name: string): CommandFn | undefined {
  const slash = name.lastIndexOf('/');
  if (slash >= 0 && !BIN_DIRS.has(name.slice(0, slash) || '/')) return undefined;
  const base = name.slice(slash + 1);
  return Object.hasOwn(COMMANDS, base) ? COMMANDS[base] : undefined;
}
