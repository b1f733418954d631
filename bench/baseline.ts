// The baseline: the same pods created directly on a fresh host simulator, in a process of its own, at the
// same concurrency and with the same injected faults: the host API's own limit, which the sync is measured
// against. Its Ready time is the direct create plus the simulated kubelet, exactly what podferry adds its own
// work to. Under a rate limit the direct client behaves as podferry does: a client-side limit at the same
// budget (HOST_QPS) and every 429 waited out for its Retry-After, as client-go does. `deploymentReplicas`
// creates one Deployment of that many replicas instead of single pods (the host's own controllers make them).
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { FaultOptions } from '../infra/kube-sim/types.js';
import { hostCpuMs, startHostProcess } from './host-process.js';
import { createDeployment, podCreator } from './load.js';
import { startProgress } from './progress.js';
import { trackPods } from './pod-tracker.js';

export interface BaselineOptions {
  pods: number;
  concurrency: number;
  nodes: number;
  kubeletStepMs: number;
  faults: FaultOptions;
  /** The direct client's own limit (0: none), as podferry's HOST_QPS. */
  clientQps?: number;
  /** One Deployment of `pods` replicas instead of `pods` single creates. */
  deployment?: boolean;
  quiet: boolean;
  timeoutMs: number;
}

export interface BaselineResult {
  created_s: number;
  ready_s: number;
  /** CPU the host simulator's process (the host API server, its scheduler and kubelets) spent per pod. */
  host_cpu_ms_per_pod: number;
  /** CPU this process (the harness) spent per pod. */
  harness_cpu_ms_per_pod: number;
  /** 429s the direct client got (each waited out and sent again). */
  throttled: number;
}

export async function runBaseline(o: BaselineOptions): Promise<BaselineResult> {
  const clusterOpts = { mode: 'host' as const, name: 'baseline', port: 0, nodes: o.nodes, kubelet: { startupDelayMs: o.kubeletStepMs } };
  const host = await startHostProcess(clusterOpts, o.faults);
  const prefix = o.deployment ? 'dep-' : 'b-';
  let tracker: Awaited<ReturnType<typeof trackPods>> | undefined;
  const creator = podCreator(host.kubeconfig, o.concurrency, { qps: o.clientQps ?? 0 });
  const progress = startProgress(o.deployment ? 'baseline deploy' : 'baseline', o.pods, () => ({ done: tracker?.ready(prefix) ?? 0, detail: `created ${tracker?.seen(prefix) ?? 0}` }), o.quiet);
  try {
    const kc = new KubeConfig();
    kc.loadFromString(host.kubeconfig);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'bench' } } });
    tracker = await trackPods(host.kubeconfig, 'bench');
    const cpu0 = process.cpuUsage();
    const hostCpu0 = hostCpuMs(host) ?? Number.NaN;
    const t0 = performance.now();
    const sending = o.deployment
      ? createDeployment(host.kubeconfig, 'bench', 'dep', o.pods)
      : creator.burst('bench', Array.from({ length: o.pods }, (_, i) => `b-${i}`), o.concurrency);
    const failed = sending.then(() => {
      if (creator.failures.length > 0) throw new Error(`baseline creates failed: ${creator.failures.join('; ')}`);
      return new Promise<never>(() => {});
    });
    const created = await Promise.race([tracker.waitFor('seen', prefix, o.pods, o.timeoutMs), failed]);
    const ready = await Promise.race([tracker.waitFor('ready', prefix, o.pods, o.timeoutMs), failed]);
    await sending;
    const cpu = process.cpuUsage(cpu0);
    const hostCpu = hostCpuMs(host) ?? Number.NaN;
    return {
      created_s: (created - t0) / 1000,
      ready_s: (ready - t0) / 1000,
      host_cpu_ms_per_pod: Number(((hostCpu - hostCpu0) / o.pods).toFixed(2)),
      harness_cpu_ms_per_pod: Number(((cpu.user + cpu.system) / 1000 / o.pods).toFixed(2)),
      throttled: creator.throttled,
    };
  } finally {
    progress.stop();
    tracker?.stop();
    creator.close();
    await host.close();
  }
}
