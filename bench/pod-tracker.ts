// Watches one namespace's pods and stamps, per pod name, when the harness first saw it (ADDED) and when it
// first saw it Ready. Every latency and completion time of the benchmark comes from these stamps, taken
// outside the system under test with the same clock, so no worker internals are trusted.
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { statusFingerprint } from '../functions/_shared/core/status-fingerprint.js';
import { PooledKubeConfig } from '../functions/_shared/kube/pooled-kube-config.js';

export interface PodStamps {
  seenAt?: number;
  readyAt?: number;
  /** First seen with a deletionTimestamp, or gone (DELETED) without one seen. */
  deletingAt?: number;
  /** Only for pods of the history prefixes: each status fingerprint and when it was first seen. */
  history?: Map<string, number>;
}

export interface PodTracker {
  readonly pods: Map<string, PodStamps>;
  /** Watch requests this tracker sent (the harness's own API calls, taken out of the per-pod figures). */
  readonly watchRequests: number;
  seen(prefix: string): number;
  ready(prefix: string): number;
  /** Pods seen Ready, whatever their names. */
  readyTotal(): number;
  /** Resolves when `count` pods whose names start with `prefix` reached `what`. */
  waitFor(what: 'seen' | 'ready', prefix: string, count: number, timeoutMs: number): Promise<number>;
  stop(): void;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * `historyPrefixes`: pods whose names start with one of these also keep every status fingerprint they show
 * (change-latency.ts compares the host's and the virtual pod's); the others keep two stamps only.
 */
export async function trackPods(kubeconfig: string, namespace: string, now: () => number = () => performance.now(), historyPrefixes: readonly string[] = []): Promise<PodTracker> {
  const kc = new PooledKubeConfig(4);
  kc.loadFromString(kubeconfig);
  const watch = new Watch(kc);
  const pods = new Map<string, PodStamps>();
  const counters = { seen: new Map<string, number>(), ready: new Map<string, number>() };
  let resourceVersion: string | undefined;
  let stopped = false;
  let requests = 0;
  let controller: AbortController | undefined;
  const waiters = new Set<() => void>();

  let readyTotal = 0;
  const bump = (map: Map<string, number>, name: string) => {
    const prefix = name.slice(0, name.indexOf('-') + 1);
    map.set(prefix, (map.get(prefix) ?? 0) + 1);
  };
  const onEvent = (type: string, obj: V1Pod) => {
    if (obj?.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    const name = obj.metadata?.name;
    if (!name) return;
    const t = now();
    let stamps = pods.get(name);
    if (!stamps) pods.set(name, (stamps = {}));
    if (stamps.deletingAt === undefined && (obj.metadata?.deletionTimestamp || type === 'DELETED')) stamps.deletingAt = t;
    if (type === 'DELETED') return;
    if (historyPrefixes.some((p) => name.startsWith(p))) {
      stamps.history ??= new Map();
      const fp = statusFingerprint(obj.status);
      if (!stamps.history.has(fp)) stamps.history.set(fp, t);
    }
    if (stamps.seenAt === undefined) {
      stamps.seenAt = t;
      bump(counters.seen, name);
    }
    if (stamps.readyAt === undefined && isReady(obj)) {
      stamps.readyAt = t;
      readyTotal++;
      bump(counters.ready, name);
    }
    for (const w of waiters) w();
  };
  const start = async (): Promise<void> => {
    requests++;
    controller = await watch.watch(`/api/v1/namespaces/${namespace}/pods`, { resourceVersion, allowWatchBookmarks: true }, onEvent, (err) => {
      if (stopped) return;
      // A cut watch resumes where it was; an expired resourceVersion starts over (stamps are kept).
      if ((err as { statusCode?: number } | null)?.statusCode === 410) resourceVersion = undefined;
      setTimeout(() => void start(), err ? 100 : 0);
    });
  };
  await start();

  const count = (what: 'seen' | 'ready', prefix: string) => counters[what].get(prefix) ?? 0;
  return {
    pods,
    get watchRequests() {
      return requests;
    },
    seen: (prefix) => count('seen', prefix),
    ready: (prefix) => count('ready', prefix),
    readyTotal: () => readyTotal,
    waitFor(what, prefix, target, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (count(what, prefix) < target) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(now());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms: ${count(what, prefix)}/${target} pods ${prefix}* ${what} in ${namespace}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop() {
      stopped = true;
      controller?.abort();
      kc.destroy();
    },
  };
}
