// podferry's functions as child processes for the benchmark, as production runs them: node itself with tsx
// as a loader (not the tsx wrapper, which forks), so the pid is the function's and /proc/<pid> is its own
// CPU and RSS. Each also loads bench/probe.ts, which counts its Redis commands and times its admission
// handler, and answers over the IPC channel.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeReport } from './probe.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = join(ROOT, 'bench/probe.ts');

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

export type PodferryCommand = 'worker' | 'host-watch' | 'webhook' | 'node-proxy';

export interface PodferryProcess {
  readonly command: PodferryCommand;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The /metrics URL the process logged (workers, host watch), if any. */
  readonly metricsUrl?: string;
  cpuMs(): number;
  rssMb(): number;
  /** What bench/probe.ts counted since the last reset. */
  probe(): Promise<ProbeReport>;
  resetProbe(): Promise<void>;
  stop(): Promise<void>;
}

/** The log line each function prints once it serves (pino JSON, `msg`), and where its metrics are. */
const READY: Record<PodferryCommand, RegExp> = {
  worker: /"msg":"worker started"/,
  'host-watch': /"msg":"host watch started"/,
  webhook: /"msg":"Server listening at /,
  'node-proxy': /"msg":"node proxy listening"/,
};

export async function startPodferryProcess(command: PodferryCommand, env: Record<string, string>, timeoutMs = 30_000): Promise<PodferryProcess> {
  // BENCH_CPU_PROF_DIR: each process writes a V8 CPU profile there on exit, to find where its time goes.
  const prof = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', '--import', PROBE, join(ROOT, 'functions/cli.ts'), command], {
    cwd: ROOT,
    // METRICS_PORT 0: each process's /metrics on a free port, so several can run side by side. LOG_LEVEL info:
    // the "started" line; nothing per job is logged at info.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', METRICS_PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  let metricsUrl: string | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`podferry ${command} did not start in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      let out = '';
      let ready = false;
      // Read to the end either way: a pipe nobody drains would block the child's logging.
      child.stdout!.on('data', (d: Buffer) => {
        if (ready) return;
        out = (out + d.toString()).slice(-8000);
        if (READY[command].test(out)) {
          ready = true;
          metricsUrl = /"metrics":"([^"]+)"/.exec(out)?.[1];
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`podferry ${command} exited with ${code}: ${stderr}`));
      });
    });
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
  let nextId = 0;
  const ask = <T>(probe: 'read' | 'reset', reply: string): Promise<T> => new Promise((resolve, reject) => {
    const id = ++nextId;
    const timer = setTimeout(() => { child.off('message', onMessage); reject(new Error(`podferry ${command}: no probe answer`)); }, 10_000);
    const onMessage = (m: { probe?: string; id?: number; report?: ProbeReport }) => {
      if (m?.probe !== reply || m.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m.report as T);
    };
    child.on('message', onMessage);
    child.send({ probe, id });
  });
  const pid = child.pid!;
  return {
    command,
    child,
    pid,
    ...(metricsUrl ? { metricsUrl } : {}),
    cpuMs: () => cpuMsOf(pid),
    rssMb: () => rssMbOf(pid),
    probe: () => ask<ProbeReport>('read', 'report'),
    resetProbe: () => ask<void>('reset', 'reset-done'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const deadline = setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 30_000);
      await exited;
      clearTimeout(deadline);
    },
  };
}

export interface WorkerFleet {
  readonly processes: PodferryProcess[];
  /** Resident set size of each worker, in MiB. */
  rssMb(): number[];
  /** CPU time (user + system) all workers have used so far, in ms. */
  cpuMs(): number;
  /** Each worker's /metrics text (podferry_jobs_completed_total and friends). */
  scrape(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts `count` workers and resolves once each has logged "worker started" (its queues are open). */
export async function startWorkerFleet(count: number, env: Record<string, string>, timeoutMs = 30_000): Promise<WorkerFleet> {
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startPodferryProcess('worker', env, timeoutMs)));
  const processes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => { await Promise.all(processes.map((p) => p.stop())); };
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    processes,
    rssMb: () => processes.map((p) => p.rssMb()),
    cpuMs: () => processes.reduce((sum, p) => sum + p.cpuMs(), 0),
    scrape: () => Promise.all(processes.map(async (p) => (await fetch(p.metricsUrl!)).text())),
    stop,
  };
}
