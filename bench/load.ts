// Pod creation load: a burst of P creates with at most C in flight, or a steady rate of R per second. Both
// go through client-node with a pooled keep-alive agent, as a real client at scale would, and count their
// own calls so the per-pod API figures can leave them out.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../functions/_shared/kube/pooled-kube-config.js';

export interface PodCreator {
  /** POSTs sent (the harness's own calls). */
  readonly posts: number;
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

export function podCreator(kubeconfig: string, maxSockets: number): PodCreator {
  const kc = new PooledKubeConfig(maxSockets);
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  let posts = 0;
  const failures: string[] = [];
  const createOne = async (namespace: string, name: string, pod: (name: string) => V1Pod = benchPod) => {
    // A 429 (the host rate-limit knob on the baseline) is waited out and retried, as client-go would.
    for (let attempt = 0; ; attempt++) {
      posts++;
      try {
        await core.createNamespacedPod({ namespace, body: pod(name) });
        return;
      } catch (err) {
        if ((err as { code?: number }).code === 429 && attempt < 50) {
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
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
