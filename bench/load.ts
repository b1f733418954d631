// Pod creation load: a burst of P creates with at most C in flight, or a steady rate of R per second. Both
// go through client-node with a pooled keep-alive agent, as a real client at scale would, and count their
// own calls so the per-pod API figures can leave them out. Like client-go, a creator may hold a client-side
// rate limit (`qps`: a token bucket, as rest.Config QPS/Burst) and waits out a 429 for its Retry-After.
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { classifyKubeError } from '../functions/_shared/kube/kube-errors.js';
import { PooledKubeConfig } from '../functions/_shared/kube/pooled-kube-config.js';
import { createTokenBucket } from './token-bucket.js';

export interface PodCreator {
  /** POSTs sent (the harness's own calls). */
  readonly posts: number;
  /** 429s answered to this creator (each waited out for its Retry-After, then sent again). */
  readonly throttled: number;
  readonly failures: string[];
  burst(namespace: string, names: readonly string[], concurrency: number, onCreated?: () => void, pod?: (name: string) => V1Pod): Promise<void>;
  steady(namespace: string, names: readonly string[], perSecond: number): Promise<void>;
  close(): void;
}

export function benchPod(name: string): V1Pod {
  return {
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '1m', memory: '4Mi' } } }] },
  };
}

/**
 * client-go stops after 10 retries of a 429; this creator keeps going (a baseline that drops pods measures
 * nothing) and counts them instead. `qps`: the client-side limit, burst as podferry's HOST_QPS limiter.
 */
/** A Deployment of `replicas` bench pods (the same pod template), as `kubectl create deployment` would make. */
export function benchDeployment(name: string, replicas: number): V1Deployment {
  const pod = benchPod(name);
  return {
    metadata: { name, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod.spec } },
  };
}

/** Creates one such Deployment through an API server (its controllers make the pods). */
export async function createDeployment(kubeconfig: string, namespace: string, name: string, replicas: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: benchDeployment(name, replicas) });
}

export function podCreator(kubeconfig: string, maxSockets: number, opts: { qps?: number } = {}): PodCreator {
  const kc = new PooledKubeConfig(maxSockets);
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const bucket = opts.qps && opts.qps > 0 ? createTokenBucket(opts.qps, Math.max(1, Math.ceil(opts.qps / 10))) : undefined;
  let posts = 0;
  let throttled = 0;
  const failures: string[] = [];
  const createOne = async (namespace: string, name: string, pod: (name: string) => V1Pod = benchPod) => {
    for (;;) {
      if (bucket) {
        const wait = bucket.reserve();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      posts++;
      try {
        await core.createNamespacedPod({ namespace, body: pod(name) });
        return;
      } catch (err) {
        const failure = classifyKubeError(err);
        if (failure.code === 429) {
          // As client-go's request retry: sleep the server's Retry-After (1 s when it gives none), send again.
          throttled++;
          await new Promise((r) => setTimeout(r, (failure.retryAfterSeconds ?? 1) * 1000));
          continue;
        }
        if (failures.length < 20) failures.push(`${name}: ${(err as Error).message.slice(0, 200)}`);
        return;
      }
    }
  };
  return {
    get posts() {
      return posts;
    },
    get throttled() {
      return throttled;
    },
    failures,
    async burst(namespace, names, concurrency, onCreated, pod) {
      let next = 0;
      const lane = async () => {
        while (next < names.length) {
          await createOne(namespace, names[next++], pod);
          onCreated?.();
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, lane));
    },
    async steady(namespace, names, perSecond) {
      // Sends on an absolute schedule, so a slow response does not slow the offered rate.
      const t0 = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < names.length; i++) {
        const due = t0 + (i * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(createOne(namespace, names[i]));
      }
      await Promise.all(inFlight);
    },
    close: () => kc.destroy(),
  };
}
