// The baseline: the same pods created directly on a fresh host simulator at the same concurrency and with
// the same injected faults: the host API's own limit, which the sync is measured against. Its Ready time is
// the direct create plus the simulated kubelet, exactly what podferry adds its own work to.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startCluster } from '../infra/kube-sim/server.js';
import type { FaultOptions } from '../infra/kube-sim/types.js';
import { hostCpuMs, startHostProcess } from './host-process.js';
import { podCreator } from './load.js';
import { startProgress } from './progress.js';
import { trackPods } from './pod-tracker.js';

export interface BaselineOptions {
  pods: number;
  concurrency: number;
  nodes: number;
  kubeletStepMs: number;
  faults: FaultOptions;
  /** The host simulator in its own process, as in the podferry run with --host-process. */
  hostProcess: boolean;
  quiet: boolean;
  timeoutMs: number;
}

export interface BaselineResult {
  created_s: number;
  ready_s: number;
  /** CPU this process (simulator and harness) spent per pod. */
  cpu_ms_per_pod: number;
  /** CPU of the host simulator's own process per pod, with --host-process. */
  host_process_cpu_ms_per_pod?: number;
}

export async function runBaseline(o: BaselineOptions): Promise<BaselineResult> {
  const clusterOpts = { mode: 'host' as const, name: 'baseline', port: 0, nodes: o.nodes, kubelet: { startupDelayMs: o.kubeletStepMs } };
  const host = o.hostProcess ? await startHostProcess(clusterOpts, o.faults) : await startCluster(clusterOpts);
  const kc = new KubeConfig();
  kc.loadFromString(host.kubeconfig);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'bench' } } });
  if (!o.hostProcess) host.setFaults(o.faults);
  const tracker = await trackPods(host.kubeconfig, 'bench');
  const creator = podCreator(host.kubeconfig, o.concurrency);
  const progress = startProgress('baseline', o.pods, () => ({ done: tracker.ready('b-'), detail: `created ${tracker.seen('b-')}` }), o.quiet);
  try {
    const names = Array.from({ length: o.pods }, (_, i) => `b-${i}`);
    const cpu0 = process.cpuUsage();
    const hostCpu0 = hostCpuMs(host);
    const t0 = performance.now();
    const sending = creator.burst('bench', names, o.concurrency);
    const created = await tracker.waitFor('seen', 'b-', o.pods, o.timeoutMs);
    const ready = await tracker.waitFor('ready', 'b-', o.pods, o.timeoutMs);
    await sending;
    if (creator.failures.length > 0) throw new Error(`baseline creates failed: ${creator.failures.join('; ')}`);
    const cpu = process.cpuUsage(cpu0);
    const hostCpu = hostCpuMs(host);
    return {
      created_s: (created - t0) / 1000,
      ready_s: (ready - t0) / 1000,
      cpu_ms_per_pod: Number(((cpu.user + cpu.system) / 1000 / o.pods).toFixed(2)),
      ...(hostCpu !== undefined && hostCpu0 !== undefined ? { host_process_cpu_ms_per_pod: Number(((hostCpu - hostCpu0) / o.pods).toFixed(2)) } : {}),
    };
  } finally {
    progress.stop();
    tracker.stop();
    creator.close();
    await host.close();
  }
}
