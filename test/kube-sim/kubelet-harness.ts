// A host-mode simulator in process for the scheduler and kubelet tests: the real API, the real scheduler and
// kubelets, and helpers that wait on watches rather than sleeping.
import { createApi, type SimApi } from '../../infra/kube-sim/api.js';
import { startKubelets, type Kubelets, type SimKubeletOptions } from '../../infra/kube-sim/kubelet.js';
import { startScheduler } from '../../infra/kube-sim/scheduler.js';
import { events, pods } from '../../infra/kube-sim/resources.js';
import type { KubeObject, UserInfo, WatchEvent } from '../../infra/kube-sim/types.js';

export const admin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
export const write = { dryRun: false, user: admin };

export interface Host {
  api: SimApi;
  kubelets: Kubelets;
  createPod(name: string, spec: Record<string, unknown>, namespace?: string): Promise<KubeObject>;
  waitFor(name: string, pred: (pod: KubeObject | undefined, ev: WatchEvent) => boolean, timeoutMs?: number, namespace?: string): Promise<KubeObject>;
  podEvents(name: string, namespace?: string): Array<{ reason: string; message: string; type: string; source: Record<string, string>; involvedObject: Record<string, string> }>;
  stop(): Promise<void>;
}

export async function startHost(opts: { nodes?: number; kubelet?: SimKubeletOptions; scheduler?: boolean } = {}): Promise<Host> {
  const api = createApi();
  const scheduler = opts.scheduler === false ? undefined : startScheduler(api);
  const kubelets = await startKubelets(api, { nodes: opts.nodes ?? 2, kubelet: { startupDelayMs: 20, ...opts.kubelet } });
  return {
    api,
    kubelets,
    async createPod(name, spec, namespace = 'default') {
      return api.create(pods, namespace, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec }, write);
    },
    waitFor(name, pred, timeoutMs = 4000, namespace = 'default') {
      return new Promise((resolve, reject) => {
        let done = false;
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for pod ${name}`))), timeoutMs);
        const finish = (f: () => void) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          queueMicrotask(() => handle.stop());
          f();
        };
        const handle = api.watch(pods, namespace, { fieldSelector: `metadata.name=${name}` }, (ev) => {
          const pod = ev.type === 'DELETED' ? undefined : ev.object;
          if (pred(pod, ev)) finish(() => resolve(ev.object));
        });
      });
    },
    podEvents(name, namespace = 'default') {
      return api.list(events, namespace, {}).items
        .filter((e) => (e.involvedObject as { name: string }).name === name) as never;
    },
    async stop() {
      await scheduler?.stop();
      await kubelets.stop();
    },
  };
}

export const statusOf = (pod: KubeObject | undefined) => (pod?.status ?? {}) as {
  phase?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  containerStatuses?: Array<Record<string, any>>;
  podIP?: string;
  hostIP?: string;
};

export const condition = (pod: KubeObject | undefined, type: string) => statusOf(pod).conditions?.find((c) => c.type === type);
export const isReady = (pod: KubeObject | undefined) => condition(pod, 'Ready')?.status === 'True';
export const container = (pod: KubeObject | undefined, name = 'app') => statusOf(pod).containerStatuses?.find((c) => c.name === name);
