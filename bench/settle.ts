// Before a measured phase, wait until podferry has no job waiting or running: a burst leaves event jobs and
// status looks behind it, and a phase that starts on top of them measures that backlog, not itself. Delayed
// jobs do not count: follow-up looks and the resync's repeat are always scheduled somewhere ahead.
import type { QueueCounter } from '../chaos/queue-counter.js';

export const BUSY_STATES = ['waiting', 'active', 'prioritized'] as const;

export interface Settled {
  settled: boolean;
  /** From the call until the queues were seen idle `idlePolls` times in a row (or until the timeout). */
  waited_ms: number;
}

export async function settle(counter: Pick<QueueCounter, 'unfinished'>, o: { timeoutMs: number; pollMs?: number; idlePolls?: number }): Promise<Settled> {
  const pollMs = o.pollMs ?? 200;
  const idlePolls = o.idlePolls ?? 3;
  const t0 = performance.now();
  let idle = 0;
  while (performance.now() - t0 < o.timeoutMs) {
    idle = (await counter.unfinished(BUSY_STATES)) === 0 ? idle + 1 : 0;
    if (idle >= idlePolls) return { settled: true, waited_ms: Math.round(performance.now() - t0) };
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { settled: false, waited_ms: Math.round(performance.now() - t0) };
}
