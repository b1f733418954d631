// The worker fleet of a chaos run: `podferry worker` child processes (never in-process), so a SIGKILL
// really kills one mid-job and its jobs must be recovered by stall detection and resync. A worker that
// exits on its own is a crash: it is counted, its stderr kept, and it is started again a second later,
// as a Deployment's kubelet would restart the container.
import { spawnWorker, type WorkerProcess } from '../test/helpers/worker-process.js';

export const CRASH_RESTART_DELAY_MS = 1_000;

export interface WorkerPool {
  size(): number;
  /** SIGKILLs worker `index` and starts a replacement at once, as a Deployment would. */
  killAndReplace(index: number): Promise<void>;
  /** Exits nobody asked for, with the stderr tail of each. */
  crashes(): string[];
  stop(): Promise<void>;
}

export function startWorkerPool(env: Record<string, string>, size: number): WorkerPool {
  const live: WorkerProcess[] = [];
  const killed = new Set<WorkerProcess>();
  const crashes: string[] = [];
  let stopping = false;
  const start = (index: number) => {
    const w = spawnWorker(env);
    live[index] = w;
    void w.exited.then((code) => {
      if (killed.has(w) || stopping) return;
      crashes.push(`exit ${code}: ${w.stderr().slice(-1500)}`);
      setTimeout(() => {
        if (!stopping && live[index] === w) start(index);
      }, CRASH_RESTART_DELAY_MS).unref();
    });
  };
  for (let i = 0; i < size; i++) start(i);
  return {
    size: () => live.length,
    async killAndReplace(index) {
      const w = live[index];
      killed.add(w);
      await w.kill('SIGKILL');
      start(index);
    },
    crashes: () => [...crashes],
    async stop() {
      stopping = true;
      // The run is over and judged: no need to wait for a graceful drain.
      await Promise.all(live.map((w) => w.kill('SIGKILL')));
    },
  };
}
