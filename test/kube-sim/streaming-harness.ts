// A host-mode simulator for the streaming tests: the real HTTPS server with simulated kubelets and container
// runtime, a kubectl bound to it, client-node's KubeConfig, and helpers that wait on the API, never on time.
import { request } from 'node:https';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { kubectlIn, type Kubectl } from '../helpers/kubectl.js';

export interface StreamingHost {
  cluster: StartedCluster;
  kc: KubeConfig;
  core: CoreV1Api;
  kubectl: Kubectl;
  /** Creates a pod in `default` and waits until it is Running with every container ready. */
  runPod(pod: V1Pod): Promise<V1Pod>;
  waitForPod(name: string, pred: (pod: V1Pod) => boolean, timeoutMs?: number): Promise<V1Pod>;
  /** A raw GET with the admin credentials: status code, headers and body text. */
  get(path: string): Promise<{ code: number; text: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startStreamingHost(label: string): Promise<StreamingHost> {
  const cluster = await startCluster({ mode: 'host', nodes: 1, kubelet: { startupDelayMs: 20 } });
  const kubectl = kubectlIn(label);
  await cluster.writeKubeconfig(kubectl.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);

  async function waitForPod(name: string, pred: (pod: V1Pod) => boolean, timeoutMs = 15_000): Promise<V1Pod> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pod = await core.readNamespacedPod({ namespace: 'default', name }).catch(() => undefined);
      if (pod && pred(pod)) return pod;
      if (Date.now() > deadline) throw new Error(`pod ${name} did not reach the expected state: ${JSON.stringify(pod?.status)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    cluster, kc, core, kubectl, waitForPod,
    async runPod(pod) {
      await core.createNamespacedPod({ namespace: 'default', body: pod });
      return waitForPod(pod.metadata!.name!, (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready));
    },
    async get(path) {
      const opts: Record<string, unknown> = {};
      await kc.applyToHTTPSOptions(opts);
      const url = new URL(path, cluster.url);
      return new Promise((resolve, reject) => {
        request({ ...opts, hostname: url.hostname, port: url.port, path: url.pathname + url.search }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, text, headers: res.headers }));
        }).on('error', reject).end();
      });
    },
    close: () => cluster.close(),
  };
}

/** A pod with one container and the given extras. */
export function simplePod(name: string, container: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ...container }], ...spec } as V1Pod['spec'] };
}
