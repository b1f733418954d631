// A `podferry worker` in a child process, as production runs it, so a test can SIGKILL it mid-job.
import { spawn, type ChildProcess } from 'node:child_process';
import { nodeEntryArgs, ROOT } from './node-entry.js';

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  return spawnPodferry('worker', env);
}

/** Any `podferry <command>` in a child process (`worker`, `host-watch`). */
export function spawnPodferry(command: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, nodeEntryArgs('functions/cli.ts', [command]), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => { err = (err + d.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => err,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
