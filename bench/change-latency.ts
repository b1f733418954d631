// How long the virtual cluster takes to show what happened on the host, from the harness's own watches of
// both sides (pod-tracker.ts): a container that crashes after Ready (each status the host pod shows after it
// was first Ready, matched by fingerprint on the virtual pod), and a host pod deleted on the host (the host
// pod's deletion first seen, then the virtual pod's). Shared by the bench and the chaos suite.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../functions/_shared/core/names.js';
import { PooledKubeConfig } from '../functions/_shared/kube/pooled-kube-config.js';
import type { PodTracker } from './pod-tracker.js';

export interface LatencyFigures {
  /** Host changes looked at, and how many of them the virtual cluster showed (a later state may cover one). */
  changes: number;
  shown: number;
  p50: number;
  p99: number;
  max: number;
}

const round = (v: number) => Number(v.toFixed(1));

export function latencyFigures(samples: readonly number[], changes: number): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]) : Number.NaN);
  return { changes, shown: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.length ? round(sorted[sorted.length - 1]) : Number.NaN };
}

/**
 * Each status the host pod showed after it was first Ready, with the delay until the virtual pod showed it
 * or a later one (the virtual side reports the newest state; a state that lasted a moment may be skipped,
 * and is covered once a newer one shows). A state the virtual side never caught up with is not `shown`.
 */
export function statusChangeLatencies(virtual: PodTracker, host: PodTracker, names: readonly string[], hostName: (n: string) => string): LatencyFigures {
  const samples: number[] = [];
  let changes = 0;
  for (const name of names) {
    const h = host.pods.get(hostName(name));
    const v = virtual.pods.get(name);
    if (!h?.history || h.readyAt === undefined) continue;
    const states = [...h.history];
    for (let i = 0; i < states.length; i++) {
      const [, at] = states[i];
      if (at <= h.readyAt) continue;
      changes++;
      let shownAt = Number.POSITIVE_INFINITY;
      for (let j = i; j < states.length; j++) shownAt = Math.min(shownAt, v?.history?.get(states[j][0]) ?? Number.POSITIVE_INFINITY);
      if (Number.isFinite(shownAt)) samples.push(Math.max(0, shownAt - at));
    }
  }
  return latencyFigures(samples, changes);
}

/** For host pods deleted on the host: the delay until the virtual pod was deleting (or gone). */
export function deleteLatencies(virtual: PodTracker, host: PodTracker, names: readonly string[], hostName: (n: string) => string): LatencyFigures {
  const samples: number[] = [];
  for (const name of names) {
    const h = host.pods.get(hostName(name))?.deletingAt;
    const v = virtual.pods.get(name)?.deletingAt;
    if (h !== undefined && v !== undefined) samples.push(Math.max(0, v - h));
  }
  return latencyFigures(samples, names.length);
}

export function crashPod(name: string): V1Pod {
  return { metadata: { name, labels: { app: 'crash' } }, spec: { containers: [{ name: 'app', image: 'sim-crash:1' }] } };
}

/** Deletes host pods on the host, as a drain or an operator would; the harness's own calls, counted. */
export async function deleteOnHost(hostKubeconfig: string, hostNamespace: string, cluster: string, virtualNamespace: string, names: readonly string[]): Promise<number> {
  const kc = new PooledKubeConfig(8);
  kc.loadFromString(hostKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  let calls = 0;
  try {
    for (const name of names) {
      calls++;
      await core.deleteNamespacedPod({ namespace: hostNamespace, name: hostPodName(name, virtualNamespace, cluster) }).catch(() => undefined);
    }
  } finally {
    kc.destroy();
  }
  return calls;
}

/** Waits until `done` holds or `ms` passed; never fails (what did not show is counted, not thrown). */
export async function waitUpTo(ms: number, done: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !done()) await new Promise((r) => setTimeout(r, 50));
}
