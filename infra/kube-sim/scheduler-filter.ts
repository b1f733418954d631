// The scheduler's filter step as pure functions: why a node rejects a pod, in kube-scheduler's words and
// plugin order (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit, VolumeBinding), and the
// FitError message the framework prints from them, preemption's verdict included.
import type { Requests } from './quantity.js';
import { parseQuantity } from './quantity.js';
import { volumeFitsNode } from './scheduler-volumes.js';
import type { KubeObject } from './types.js';

export type NodeView = {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
  unschedulable: boolean;
  maxPods: number;
  /** Allocatable cpu (cores) and memory (bytes). */
  cpu: number;
  memory: number;
};

/** What the pods bound to a node already hold. */
export type Usage = { pods: number; cpu: number; memory: number };

/** One failed filter. `resolvable`: Unschedulable (preemption might help), else UnschedulableAndUnresolvable. */
export type Rejection = { reason: string; resolvable: boolean };

export function nodeView(node: KubeObject): NodeView {
  const spec = (node.spec ?? {}) as { unschedulable?: boolean };
  const status = (node.status ?? {}) as { conditions?: Array<{ type: string; status: string }>; allocatable?: Record<string, string> };
  return {
    name: node.metadata.name ?? '',
    labels: node.metadata.labels ?? {},
    ready: (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: spec.unschedulable === true,
    maxPods: Number(status.allocatable?.pods ?? 110),
    cpu: parseQuantity(status.allocatable?.cpu) ?? Infinity,
    memory: parseQuantity(status.allocatable?.memory) ?? Infinity,
  };
}

const unresolvable = (reason: string): Rejection[] => [{ reason, resolvable: false }];

/** The reasons a node rejects the pod (the first failing plugin's); empty when the pod fits. */
export function rejectReasons(pod: KubeObject, node: NodeView, usage: Usage, request: Requests, volumes: KubeObject[] = []): Rejection[] {
  const selector = ((pod.spec ?? {}) as { nodeSelector?: Record<string, string> }).nodeSelector ?? {};
  if (node.unschedulable) return unresolvable('node(s) were unschedulable');
  if (!node.ready) return unresolvable('node(s) had untolerated taint {node.kubernetes.io/not-ready: }');
  if (Object.entries(selector).some(([k, v]) => node.labels[k] !== v)) return unresolvable("node(s) didn't match Pod's node affinity/selector");
  // NodeResourcesFit reports every resource that does not fit, each counted on its own.
  const fit: Rejection[] = [];
  if (usage.pods + 1 > node.maxPods) fit.push({ reason: 'Too many pods', resolvable: true });
  if (request.cpu > 0 && usage.cpu + request.cpu > node.cpu + 1e-9) fit.push({ reason: 'Insufficient cpu', resolvable: true });
  if (request.memory > 0 && usage.memory + request.memory > node.memory) fit.push({ reason: 'Insufficient memory', resolvable: true });
  if (fit.length) return fit;
  if (volumes.some((pv) => !volumeFitsNode(pv, node.labels))) return unresolvable('node(s) had volume node affinity conflict');
  return [];
}

function histogram(entries: string[]): string {
  const counts = new Map<string, number>();
  for (const r of entries) counts.set(r, (counts.get(r) ?? 0) + 1);
  // sortReasonsHistogram sorts the "<n> <reason>" strings themselves.
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

/**
 * FitError.Error(): `0/3 nodes are available: <histogram or PreFilter message>.` followed by the preemption
 * PostFilter's own sentence, which ends in a period before the framework adds its own, hence the "..".
 */
export function unschedulableMessage(total: number, perNode: Rejection[][], preFilterMessage?: string): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const reasons = preFilterMessage ?? histogram(perNode.flat().map((r) => r.reason));
  const verdicts = preFilterMessage
    ? Array.from({ length: total }, () => 'Preemption is not helpful for scheduling')
    : perNode.map((rs) => (rs.every((r) => r.resolvable) ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling'));
  return `0/${total} nodes are available: ${reasons}. preemption: 0/${total} nodes are available: ${histogram(verdicts)}..`;
}
