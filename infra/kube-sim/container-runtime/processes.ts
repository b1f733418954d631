// What runs in a simulated container: its main process, chosen from the image's behaviour and the container's
// command (a script through the simulated shell, an interactive shell on the container's stdin, or the image's
// own program, which only writes its start-up lines), and the commands `kubectl exec` runs beside it.
import { randomBytes } from 'node:crypto';
import { imageBehaviour, imageRepository } from '../sim-images.js';
import { findCommand } from '../shell/commands/index.js';
import { Shell } from '../shell/interpreter.js';
import { runSession } from '../shell/session.js';
import { ShellState, type ShellIO } from '../shell/state.js';
import { Terminal, toTerminal } from '../shell/terminal.js';
import { EMPTY_SOURCE, type ByteSource } from './byte-pipe.js';
import type { ContainerInstance, MainProcess } from './instance.js';

/** The default command of the images whose default is a shell; other images run their own program. */
const IMAGE_CMD: Record<string, string[]> = {
  busybox: ['sh'], alpine: ['/bin/sh'], ubuntu: ['/bin/bash'], debian: ['bash'], fedora: ['/bin/bash'], centos: ['/bin/bash'],
};

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);
const isShell = (arg: string | undefined) => !!arg && SHELLS.has(arg.split('/').pop()!) && !!findCommand(arg);

/** command and args as the runtime combines them with the image's entrypoint and cmd. */
export function effectiveArgv(spec: Record<string, any>, image: string): string[] {
  const command = spec.command as string[] | undefined;
  const args = spec.args as string[] | undefined;
  if (command?.length) return [...command, ...(args ?? [])];
  if (args?.length) return IMAGE_CMD[imageRepository(image)] || findCommand(args[0]!) ? args : [];
  return IMAGE_CMD[imageRepository(image)] ?? [];
}

function shellFor(c: ContainerInstance, signal: AbortSignal, unknown: 'daemon' | 'not-found', env = c.env): Shell {
  return new Shell({ fs: c.fs, hostname: c.hostname, signal, unknownCommand: unknown, now: () => new Date() }, new ShellState(env, c.cwd));
}

/** The main process, or undefined for the image's own program (start-up lines, runs until stopped). */
export function startMainProcess(c: ContainerInstance, exit: (code: number) => void): MainProcess | undefined {
  if (c.info.kind === 'init' || imageBehaviour(c.info.image) !== 'run') return undefined;
  const argv = effectiveArgv(c.info.spec, c.info.image);
  const interactive = isShell(argv[0]) && argv.length === 1;
  if (!argv.length || (interactive && !c.stdin) || (!isShell(argv[0]) && !findCommand(argv[0]!))) return undefined;
  const ctrl = new AbortController();
  const out = (stream: 'stdout' | 'stderr') => (d: Buffer | string) => c.write(stream, c.tty ? toTerminal(d) : d.toString());
  let stdin: ByteSource = c.stdin ?? EMPTY_SOURCE;
  let terminal: Terminal | undefined;
  if (c.tty && c.stdin) {
    terminal = new Terminal((text) => c.write('stdout', text));
    const raw = c.stdin;
    void (async () => {
      for (let chunk = await raw.read(); chunk; chunk = await raw.read()) terminal!.write(chunk);
      terminal!.end();
    })();
    stdin = terminal.input;
  }
  const shell = shellFor(c, ctrl.signal, 'daemon');
  const io = { stdin, stdout: out('stdout'), stderr: out(c.tty ? 'stdout' : 'stderr') };
  const run = interactive
    ? runSession(shell, { ...io, interactive: c.tty, onInterrupt: terminal ? (l) => terminal!.onInterrupt(l) : undefined })
    : shell.exec(argv, io);
  run.then((code) => exit(code), () => exit(1));
  return { stop: () => ctrl.abort() };
}

export type ExecResult = { exitCode: number } | { error: string };

export interface ExecIO {
  stdin?: ByteSource;
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  tty: boolean;
}

/**
 * `kubectl exec`: the argv runs directly (a shell only if it names one). A program the container lacks is
 * the runtime's error, as containerd reports it, not an exit code.
 */
export async function execInContainer(c: ContainerInstance, argv: string[], io: ExecIO, signal: AbortSignal): Promise<ExecResult> {
  if (!findCommand(argv[0] ?? '') && !c.fs.stat(argv[0] ?? '')) {
    const id = randomBytes(32).toString('hex');
    return { error: `failed to exec in container: failed to start exec "${id}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH: unknown` };
  }
  const env: Array<[string, string]> = io.tty && !c.env.some(([k]) => k === 'TERM') ? [...c.env, ['TERM', 'xterm']] : c.env;
  // An exec'd process dies with its container (SIGKILL, 137).
  const died = new AbortController();
  const unExit = c.onExit(() => died.abort());
  const shell = shellFor(c, AbortSignal.any([signal, died.signal]), 'not-found', env);
  let stdin: ByteSource = io.stdin ?? EMPTY_SOURCE;
  let terminal: Terminal | undefined;
  const write = (sink: (b: Buffer) => void) => (d: Buffer | string) => sink(io.tty ? Buffer.from(toTerminal(d)) : Buffer.from(d));
  if (io.tty && io.stdin) {
    terminal = new Terminal((text) => io.stdout(Buffer.from(text)));
    const raw = io.stdin;
    void (async () => {
      for (let chunk = await raw.read(); chunk; chunk = await raw.read()) terminal!.write(chunk);
      terminal!.end();
    })();
    stdin = terminal.input;
  }
  const shellIO: ShellIO & { interactive: boolean; onInterrupt?(l: () => void): void } = {
    stdin, stdout: write(io.stdout), stderr: write(io.tty ? io.stdout : io.stderr),
    interactive: !!terminal, onInterrupt: terminal ? (l) => terminal!.onInterrupt(l) : undefined,
  };
  try {
    const exitCode = await shell.exec(argv, shellIO).catch((err) => {
      if (died.signal.aborted) return 137;
      throw err;
    });
    return { exitCode: died.signal.aborted ? 137 : exitCode };
  } finally {
    unExit();
  }
}
