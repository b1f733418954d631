// What a running simulated shell carries: its variables (the container's environment, exported), working
// directory, positional parameters and last status; and what it runs on: the container's filesystem and
// hostname, a cancellation signal, and how it treats a program it does not know.
import type { ByteSource } from '../container-runtime/byte-pipe.js';
import type { SimFs } from '../container-runtime/filesystem.js';

export interface ShellHost {
  fs: SimFs;
  hostname: string;
  signal: AbortSignal;
  /**
   * 'not-found': `sh: x: not found`, status 127, as in `kubectl exec`. 'daemon': a container's main process
   * stands for the image's own program, which runs until the container stops.
   */
  unknownCommand: 'not-found' | 'daemon';
  now(): Date;
}

export interface ShellIO {
  stdin: ByteSource;
  stdout(data: Buffer | string): void;
  stderr(data: Buffer | string): void;
}

export class ShellState {
  readonly vars: Map<string, string>;
  readonly exported: Set<string>;
  cwd: string;
  lastStatus = 0;
  positional: string[] = [];
  name = 'sh';

  constructor(env: Array<[string, string]>, cwd: string) {
    this.vars = new Map(env);
    this.exported = new Set(env.map(([k]) => k));
    this.cwd = cwd;
  }

  /** A copy for a subshell or a command substitution: changes stay inside it. */
  fork(): ShellState {
    const s = new ShellState([], this.cwd);
    for (const [k, v] of this.vars) s.vars.set(k, v);
    for (const k of this.exported) s.exported.add(k);
    s.lastStatus = this.lastStatus;
    s.positional = [...this.positional];
    s.name = this.name;
    return s;
  }

  /** The environment a command sees: exported variables, in the order they were defined. */
  environment(): Array<[string, string]> {
    return [...this.vars].filter(([k]) => this.exported.has(k));
  }
}

/** `exit N`: unwinds to the shell (or subshell) that runs the script. */
export class ExitSignal {
  constructor(readonly code: number) {}
}

export class LoopSignal {
  constructor(readonly kind: 'break' | 'continue', readonly levels: number) {}
}
