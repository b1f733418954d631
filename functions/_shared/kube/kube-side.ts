// One side of the sync (the virtual cluster or the host cluster): its API client, the gate every call passes
// (the shared host rate limit), and a count of calls by verb and code for metrics and the benchmark.
import { CoreV1Api } from '@kubernetes/client-node';
import { classifyKubeError } from './kube-errors.js';
import { loadKubeConfig, type PooledKubeConfig } from './pooled-kube-config.js';

export type SideName = 'virtual' | 'host';

/** Waits until a call may go out; resolves at once when there is no limit. */
export type CallGate = () => Promise<void>;

export interface ApiCallCounts {
  /** key `side verb code` -> count */
  readonly counts: Map<string, number>;
}

export interface KubeSide {
  readonly name: SideName;
  readonly core: CoreV1Api;
  /** The configuration behind `core`, for the few callers that stream (watch.ts). */
  readonly kubeConfig: PooledKubeConfig;
  /** Runs one API call through the gate and counts it by verb and resulting code. */
  call<T>(verb: string, fn: (core: CoreV1Api) => Promise<T>): Promise<T>;
  close(): void;
}

export function createApiCallCounts(): ApiCallCounts {
  return { counts: new Map() };
}

export function createKubeSide(opts: {
  name: SideName;
  kubeconfigPath?: string;
  kubeConfig?: PooledKubeConfig;
  gate?: CallGate;
  counts?: ApiCallCounts;
  maxSockets?: number;
}): KubeSide {
  const kc = opts.kubeConfig ?? loadKubeConfig(opts.kubeconfigPath, opts.maxSockets);
  const core = kc.makeApiClient(CoreV1Api);
  const gate = opts.gate;
  const counts = opts.counts;
  const count = (verb: string, code: number) => {
    if (!counts) return;
    const key = `${opts.name} ${verb} ${code}`;
    counts.counts.set(key, (counts.counts.get(key) ?? 0) + 1);
  };
  return {
    name: opts.name,
    core,
    kubeConfig: kc,
    async call<T>(verb: string, fn: (c: CoreV1Api) => Promise<T>): Promise<T> {
      if (gate) await gate();
      try {
        const result = await fn(core);
        count(verb, 200);
        return result;
      } catch (err) {
        count(verb, classifyKubeError(err).code);
        throw err;
      }
    },
    close: () => kc.destroy(),
  };
}
