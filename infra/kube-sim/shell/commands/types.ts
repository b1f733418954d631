// What a simulated command gets: its arguments, its three streams, and the shell that runs it.
import type { Shell } from '../interpreter.js';
import type { ShellHost, ShellIO, ShellState } from '../state.js';

export interface CommandContext {
  argv: string[];
  io: ShellIO;
  shell: Shell;
  state: ShellState;
  host: ShellHost;
}

export type CommandFn = (ctx: CommandContext) => Promise<number>;

/** Splits leading one-letter flags ("-la", "-n") from operands; "--" ends them. */
export function flags(args: string[], known: string): { set: Set<string>; rest: string[]; bad?: string } {
  const set = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (const f of a.slice(1)) {
      if (!known.includes(f)) return { set, rest: args.slice(i + 1), bad: f };
      set.add(f);
    }
  }
  return { set, rest: args.slice(i) };
}
