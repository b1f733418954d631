// When a steady rate counts as sustained (pure, table-tested): the system keeps up when pods of the step go
// from create to Ready in the virtual cluster in about the time the simulated kubelet takes plus a second,
// and the last of them is Ready soon after the last create was sent: no queue builds up. A rate above what
// the machine sustains measures the backlog, not podferry, so latencies are reported at a rate below it.
import { percentile } from './stats.js';

export interface RateStep {
  rate: number;
  pods: number;
  /** Pods Ready in the virtual cluster when the step ended. */
  ready: number;
  create_to_virtual_ready_p95_ms: number;
  /** From the last create sent to the last virtual pod Ready. */
  drain_ms: number;
  sustained: boolean;
}

/** Slack over the kubelet's own time: p95 of create to virtual Ready, and the drain after the last create. */
export const P95_SLACK_MS = 1000;
export const DRAIN_SLACK_MS = 1500;

export function judgeStep(s: { rate: number; pods: number; seconds: number; kubeletMs: number; createToReadyMs: readonly number[]; drainMs: number }): { step: RateStep; rule: string } {
  const sorted = [...s.createToReadyMs].sort((a, b) => a - b);
  const p95 = sorted.length ? percentile(sorted, 0.95) : Number.POSITIVE_INFINITY;
  const sustained = sorted.length === s.pods && p95 <= s.kubeletMs + P95_SLACK_MS && s.drainMs <= s.kubeletMs + DRAIN_SLACK_MS;
  return {
    step: {
      rate: s.rate, pods: s.pods, ready: sorted.length,
      create_to_virtual_ready_p95_ms: Number.isFinite(p95) ? Math.round(p95) : -1,
      drain_ms: Number.isFinite(s.drainMs) ? Math.round(s.drainMs) : -1,
      sustained,
    },
    rule: `a rate is sustained when all ${s.seconds} s of pods are Ready, create to virtual Ready p95 <= kubelet ${s.kubeletMs} ms + ${P95_SLACK_MS} ms, and the last is Ready within kubelet + ${DRAIN_SLACK_MS} ms of the last create`,
  };
}
