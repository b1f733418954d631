// `podferry worker` child processes for the benchmark, as production runs them: node itself with tsx as a
// loader (not the tsx wrapper, which forks), so the pid is the worker's and /proc/<pid>/status is its RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface WorkerFleet {
  readonly children: ChildProcess[];
  /** Resident set size of each worker, in MiB. */
  rssMb(): number[];
  /** CPU time (user + system) all workers have used so far, in ms. */
  cpuMs(): number;
  /** Each worker's /metrics text (podferry_jobs_completed_total and friends). */
  scrape(): Promise<string[]>;
  stop(): Promise<void>;
}

/** VmRSS of a process in MiB, from /proc (Linux). */
export function rssMbOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** utime + stime of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Starts `count` workers and resolves once each has logged "worker started" (its queues are open). */
export async function startWorkerFleet(count: number, env: Record<string, string>, timeoutMs = 30_000): Promise<WorkerFleet> {
  const children: ChildProcess[] = [];
  const metricsUrls: string[] = [];
  const started: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    // BENCH_CPU_PROF_DIR: each worker writes a V8 CPU profile there on exit, to find where its time goes.
    const prof = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : [];
    const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(ROOT, 'functions/cli.ts'), 'worker'], {
      cwd: ROOT,
      // METRICS_PORT 0: each worker's /metrics on a free port, so several can run side by side.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, LOG_LEVEL: 'info', METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
    started.push(new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${i} did not start in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      let out = '';
      const onData = (d: Buffer) => {
        out = (out + d.toString()).slice(-8000);
        if (out.includes('"msg":"worker started"')) {
          const url = /"metrics":"([^"]+)"/.exec(out)?.[1];
          if (url) metricsUrls.push(url);
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker ${i} exited with ${code}: ${stderr}`));
      });
    }));
  }
  const exited = children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r()))));
  const stop = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    const deadline = setTimeout(() => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); }, 30_000);
    await Promise.all(exited);
    clearTimeout(deadline);
  };
  try {
    await Promise.all(started);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    children,
    rssMb: () => children.map((c) => rssMbOf(c.pid!)),
    cpuMs: () => children.reduce((sum, c) => sum + cpuMsOf(c.pid!), 0),
    scrape: () => Promise.all(metricsUrls.map(async (url) => (await fetch(url)).text())),
    stop,
  };
}
