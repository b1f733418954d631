// The host-changes fault: while the burst runs, containers crash after Ready and host pods are deleted on the
// host, in a namespace of their own (the burst's verdict is about its own namespace). It reports how long the
// virtual cluster took to show each change (p50, p99, max, from the harness's watches of both sides), and how
// many it showed: every status a crashing host pod went through after Ready (shown once the virtual pod shows
// it or a later one), and every host pod deleted on the host (shown once the virtual pod is deleting).
import { CoreV1Api } from '@kubernetes/client-node';
import { hostPodName } from '../functions/_shared/core/names.js';
import { PooledKubeConfig } from '../functions/_shared/kube/pooled-kube-config.js';
import type { LocalStack } from '../functions/start/local-stack.js';
import { crashPod, deleteLatencies, deleteOnHost, statusChangeLatencies, waitUpTo, type LatencyFigures } from '../bench/change-latency.js';
import { trackPods } from '../bench/pod-tracker.js';

export const HOST_CHANGES_NAMESPACE = 'chaos-host';
export const CRASHING_PODS = 20;
export const DELETED_PODS = 20;
/** After the window closes, the virtual side gets this long to show the last host states. */
const SETTLE_MS = 10_000;

export interface HostChangesContext {
  stack: LocalStack;
  open(): boolean;
  log(line: string): void;
}

const figures = (prefix: string, f: LatencyFigures) => ({
  [`${prefix}_changes`]: f.changes, [`${prefix}_shown`]: f.shown, [`${prefix}_p50_ms`]: f.p50, [`${prefix}_p99_ms`]: f.p99, [`${prefix}_max_ms`]: f.max,
});

export async function hostChanges(ctx: HostChangesContext): Promise<Record<string, number>> {
  const { stack } = ctx;
  const ns = HOST_CHANGES_NAMESPACE;
  const hostName = (n: string) => hostPodName(n, ns, stack.endpoints.cluster);
  const kc = new PooledKubeConfig(16);
  kc.loadFromString(stack.virtual.kubeconfig);
  const virtualApi = kc.makeApiClient(CoreV1Api);
  const virtual = await trackPods(stack.virtual.kubeconfig, ns, undefined, ['crash-']);
  const host = await trackPods(stack.host.kubeconfig, stack.endpoints.hostNamespace, undefined, ['crash-']);
  try {
    await virtualApi.createNamespace({ body: { metadata: { name: ns } } }).catch(() => undefined);
    const crashing = Array.from({ length: CRASHING_PODS }, (_, i) => `crash-${i}`);
    const victims = Array.from({ length: DELETED_PODS }, (_, i) => `victim-${i}`);
    for (const name of crashing) await virtualApi.createNamespacedPod({ namespace: ns, body: crashPod(name) });
    for (const name of victims) await virtualApi.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
    // Delete the victims on the host once they are Ready in the virtual cluster, while the burst goes on (a
    // slow machine may have ended the fault window by then: the changes are made all the same).
    await waitUpTo(90_000, () => victims.every((v) => virtual.pods.get(v)?.readyAt !== undefined));
    const ready = victims.filter((v) => virtual.pods.get(v)?.readyAt !== undefined);
    await deleteOnHost(stack.host.kubeconfig, stack.endpoints.hostNamespace, stack.endpoints.cluster, ns, ready);
    ctx.log(`host-changes: ${crashing.length} pods crash looping, ${ready.length} host pods deleted on the host`);
    // A few restarts and back-offs of every crashing pod on the host, then the end of the window.
    await waitUpTo(60_000, () => crashing.every((c) => (host.pods.get(hostName(c))?.history?.size ?? 0) >= 8));
    while (ctx.open()) await new Promise((r) => setTimeout(r, 100));
    await waitUpTo(SETTLE_MS, () => ready.every((v) => virtual.pods.get(v)?.deletingAt !== undefined));
    await new Promise((r) => setTimeout(r, 2000));
    const crash = statusChangeLatencies(virtual, host, crashing, hostName);
    const deletes = deleteLatencies(virtual, host, ready, hostName);
    return { ...figures('crash_status', crash), ...figures('host_delete', deletes) };
  } finally {
    virtual.stop();
    host.stop();
    kc.destroy();
  }
}
