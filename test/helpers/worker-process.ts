// A `podferry worker` in a child process, as production runs it, so a test can SIGKILL it mid-job.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

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
  // node itself with tsx as a loader (not the tsx wrapper, which forks): a SIGKILL must hit the process.
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'functions/cli.ts'), command], {
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
