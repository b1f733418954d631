// The simulated shell's evaluator: lists, and-or chains, pipelines (stages run together, joined by pipes),
// compound commands, redirections to the container's files, and simple commands looked up in the command
// table (commands/). Everything runs in-process over the container's filesystem; nothing reaches the host.
import { BytePipe, bufferSource, EMPTY_SOURCE, readAll, type ByteSource } from '../container-runtime/byte-pipe.js';
import { FsError, normalizePath } from '../container-runtime/filesystem.js';
import { IncompleteInput, ShellSyntaxError, type Command, type List, type Pipeline, type Redirect } from './ast.js';
import { findCommand } from './commands/index.js';
import { expandWord, type Expander } from './expand.js';
import { parseScript } from './parser.js';
import { ExitSignal, LoopSignal, type ShellHost, type ShellIO, ShellState } from './state.js';

export class Shell {
  constructor(readonly host: ShellHost, readonly state: ShellState) {}

  /** A child shell with a copy of this one's state (sh -c, subshells). */
  fork(): Shell {
    return new Shell(this.host, this.state.fork());
  }

  private expander(state = this.state): Expander {
    return { state, fs: this.host.fs, capture: (list) => this.capture(list, state) };
  }

  private async capture(list: List, state: ShellState): Promise<string> {
    let out = '';
    const sub = new Shell(this.host, state.fork());
    const io: ShellIO = { stdin: EMPTY_SOURCE, stdout: (d) => (out += d.toString()), stderr: () => undefined };
    try {
      state.lastStatus = await sub.runList(list, io);
    } catch (err) {
      if (err instanceof ExitSignal) state.lastStatus = err.code;
      else throw err;
    }
    return out;
  }

  /** Parses and runs a script; `exit` ends it with its code, a syntax error with status 2. */
  async run(script: string, io: ShellIO): Promise<number> {
    let list: List;
    try {
      list = parseScript(script);
    } catch (err) {
      if (err instanceof ShellSyntaxError || err instanceof IncompleteInput) {
        io.stderr(`${this.state.name}: ${err instanceof IncompleteInput ? 'syntax error: unexpected end of file' : err.message}\n`);
        return (this.state.lastStatus = 2);
      }
      throw err;
    }
    try {
      return (this.state.lastStatus = await this.runList(list, io));
    } catch (err) {
      if (err instanceof ExitSignal) return (this.state.lastStatus = err.code);
      throw err;
    }
  }

  async runList(list: List, io: ShellIO): Promise<number> {
    let status = this.state.lastStatus;
    for (const item of list) {
      if (this.host.signal.aborted) throw new ExitSignal(130);
      status = await this.runPipeline(item.first, io);
      for (const [op, next] of item.rest) {
        if ((op === '&&') === (status === 0)) status = await this.runPipeline(next, io);
      }
      this.state.lastStatus = status;
    }
    return status;
  }

  private async runPipeline(p: Pipeline, io: ShellIO): Promise<number> {
    let status: number;
    if (p.commands.length === 1) status = await this.runCommand(p.commands[0]!, io);
    else {
      // Every stage but the last runs in a subshell, as in busybox sh; stages run concurrently.
      const runs: Array<Promise<number>> = [];
      let input = io.stdin;
      p.commands.forEach((cmd, i) => {
        const last = i === p.commands.length - 1;
        const pipe = last ? undefined : new BytePipe();
        const stageIO: ShellIO = { stdin: input, stdout: pipe ? (d) => pipe.write(Buffer.from(d)) : io.stdout, stderr: io.stderr };
        const shell = last ? this : new Shell(this.host, this.state.fork());
        runs.push(shell.runCommand(cmd, stageIO).catch((err) => (err instanceof ExitSignal ? err.code : Promise.reject(err))).finally(() => pipe?.end()));
        if (pipe) input = pipe;
      });
      status = (await Promise.all(runs))[runs.length - 1]!;
    }
    return p.negate ? (status === 0 ? 1 : 0) : status;
  }

  /** Applies redirections left to right; returns the IO the command runs with and what to flush after it. */
  private async redirected(redirects: Redirect[], io: ShellIO): Promise<ShellIO | number> {
    if (!redirects.length) return io;
    const fds: Record<number, ShellIO['stdout'] | ByteSource> = { 0: io.stdin, 1: io.stdout, 2: io.stderr };
    const fs = this.host.fs;
    for (const r of redirects) {
      const [target] = await expandWord(this.expander(), r.target, false);
      const name = target ?? '';
      if (r.op === '>&') {
        const fd = Number(name);
        if (!(fd in fds)) {
          io.stderr(`${this.state.name}: ${name}: bad file descriptor\n`);
          return 1;
        }
        fds[r.fd] = fds[fd]!;
        continue;
      }
      const path = normalizePath(this.state.cwd, name);
      try {
        if (r.op === '<') fds[r.fd] = path === '/dev/null' ? EMPTY_SOURCE : bufferSource(fs.readFile(path));
        else if (path === '/dev/null') fds[r.fd] = () => undefined;
        else {
          if (r.op === '>') fs.writeFile(path, Buffer.alloc(0));
          else if (!fs.stat(path)) fs.writeFile(path, Buffer.alloc(0));
          fds[r.fd] = (d) => fs.writeFile(path, Buffer.from(d), { append: true });
        }
      } catch (err) {
        if (!(err instanceof FsError)) throw err;
        io.stderr(`${this.state.name}: can't ${r.op === '<' ? 'open' : 'create'} ${name}: ${err.message}\n`);
        return 1;
      }
    }
    return { stdin: fds[0] as ByteSource, stdout: fds[1] as ShellIO['stdout'], stderr: fds[2] as ShellIO['stdout'] };
  }

  private async runCommand(cmd: Command, outer: ShellIO): Promise<number> {
    const io = await this.redirected(cmd.redirects, outer);
    if (typeof io === 'number') return io;
    switch (cmd.type) {
      case 'simple': return this.runSimple(cmd, io);
      case 'group': {
        if (!cmd.subshell) return this.runList(cmd.body, io);
        try {
          return await new Shell(this.host, this.state.fork()).runList(cmd.body, io);
        } catch (err) {
          if (err instanceof ExitSignal) return err.code;
          throw err;
        }
      }
      case 'if': {
        for (const [cond, body] of cmd.clauses) if ((await this.runList(cond, io)) === 0) return this.runList(body, io);
        return cmd.otherwise ? this.runList(cmd.otherwise, io) : 0;
      }
      case 'loop': case 'for': return this.runLoop(cmd, io);
    }
  }

  private async runLoop(cmd: Extract<Command, { type: 'loop' | 'for' }>, io: ShellIO): Promise<number> {
    let status = 0;
    const items = cmd.type === 'for' ? (cmd.items ? (await Promise.all(cmd.items.map((w) => expandWord(this.expander(), w)))).flat() : [...this.state.positional]) : [];
    for (let i = 0; ; i++) {
      if (this.host.signal.aborted) throw new ExitSignal(130);
      if (cmd.type === 'for') {
        if (i >= items.length) break;
        this.state.vars.set(cmd.name, items[i]!);
      } else if (((await this.runList(cmd.cond, io)) === 0) === cmd.until) break;
      try {
        status = await this.runList(cmd.body, io);
      } catch (err) {
        if (!(err instanceof LoopSignal)) throw err;
        if (err.levels > 1) throw new LoopSignal(err.kind, err.levels - 1);
        if (err.kind === 'break') break;
      }
      // A loop that never waits would starve the event loop; let other work run between iterations.
      await new Promise((r) => setImmediate(r));
    }
    return status;
  }

  private async runSimple(cmd: Extract<Command, { type: 'simple' }>, io: ShellIO): Promise<number> {
    const ex = this.expander();
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await expandWord(ex, w)));
    const assigned: Array<[string, string]> = [];
    for (const [name, w] of cmd.assigns) assigned.push([name, (await expandWord(ex, w, false))[0] ?? '']);
    if (!argv.length) {
      for (const [k, v] of assigned) this.state.vars.set(k, v);
      return 0;
    }
    // NAME=value cmd: the assignment holds for that command only.
    const saved = assigned.map(([k]) => [k, this.state.vars.get(k), this.state.exported.has(k)] as const);
    for (const [k, v] of assigned) {
      this.state.vars.set(k, v);
      this.state.exported.add(k);
    }
    try {
      return await this.exec(argv, io);
    } finally {
      for (const [k, v, wasExported] of saved) {
        if (v === undefined) this.state.vars.delete(k);
        else this.state.vars.set(k, v);
        if (!wasExported) this.state.exported.delete(k);
      }
    }
  }

  /** Runs one command by name: a known command, a script file, or "not found". */
  async exec(argv: string[], io: ShellIO): Promise<number> {
    const name = argv[0]!;
    const command = findCommand(name);
    if (command) return command({ argv, io, shell: this, state: this.state, host: this.host });
    const file = name.includes('/') ? this.host.fs.stat(normalizePath(this.state.cwd, name)) : undefined;
    if (file?.type === 'file') {
      const sub = new Shell(this.host, this.state.fork());
      sub.state.name = name;
      sub.state.positional = argv.slice(1);
      return sub.run(file.data!.toString('utf8').replace(/^#![^\n]*\n/, ''), io);
    }
    if (this.host.unknownCommand === 'daemon') return this.runForever();
    io.stderr(`${this.state.name}: ${name}: not found\n`);
    return 127;
  }

  /** The image's own program: nothing the simulator can show, running until the container stops. */
  private runForever(): Promise<number> {
    return new Promise((resolve) => {
      if (this.host.signal.aborted) resolve(143);
      this.host.signal.addEventListener('abort', () => resolve(143), { once: true });
    });
  }
}

/** Everything a byte source yields, as text (for commands that read their whole input). */
export async function readText(source: ByteSource): Promise<string> {
  return (await readAll(source)).toString('utf8');
}
