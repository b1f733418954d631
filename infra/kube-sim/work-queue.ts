// The controllers' workqueue: keys marked dirty by watch events are reconciled one at a time on a later turn
// of the event loop, each key once however often it was marked meanwhile; a failed reconcile is retried
// after a short delay, a 404 (the object went away) is not.
import { isKubeError } from './errors.js';

export interface WorkQueue {
  mark(key: string): void;
  stop(): Promise<void>;
}

export function createWorkQueue(reconcile: (key: string) => Promise<void>, retryMs = 100): WorkQueue {
  const dirty = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let running: Promise<void> | undefined;
  let stopped = false;

  function mark(key: string): void {
    if (stopped) return;
    dirty.add(key);
    if (running) return;
    running = (async () => {
      while (dirty.size && !stopped) {
        await new Promise((r) => setImmediate(r));
        for (const k of [...dirty]) {
          if (stopped) return;
          dirty.delete(k);
          try {
            await reconcile(k);
          } catch (err) {
            if (isKubeError(err) && err.code === 404) continue;
            const t = setTimeout(() => { timers.delete(t); mark(k); }, retryMs);
            timers.add(t);
          }
        }
      }
    })().finally(() => {
      running = undefined;
      // A key marked between the loop's last check and here would otherwise wait for the next mark.
      const next = dirty.values().next();
      if (!next.done && !stopped) mark(next.value);
    });
  }

  return {
    mark,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await running;
    },
  };
}
