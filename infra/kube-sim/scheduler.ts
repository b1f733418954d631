// The simulator's default-scheduler: binds each pending pod to a Ready node through pods/binding, least
// loaded first, and reports pods that fit nowhere the way kube-scheduler does (PodScheduled=False
// Unschedulable plus a FailedScheduling event). Driven by watches only; a pod that fits nowhere is retried
// when a node changes or a pod leaves, never by polling.
import { isKubeError } from './errors.js';
import { nodes as nodeResource, pods } from './resources.js';
import { recordEvent } from './sim-events.js';
import { same } from './pod-lifecycle.js';
import type { Api, KubeObject, UserInfo, WatchHandle } from './types.js';

const SCHEDULER = 'default-scheduler';
const USER: UserInfo = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
const WRITE = { dryRun: false, user: USER, fieldManager: 'kube-scheduler' };

type NodeView = { name: string; labels: Record<string, string>; ready: boolean; unschedulable: boolean; maxPods: number };

function nodeView(node: KubeObject): NodeView {
  const spec = (node.spec ?? {}) as { unschedulable?: boolean };
  const status = (node.status ?? {}) as { conditions?: Array<{ type: string; status: string }>; allocatable?: Record<string, string> };
  return {
    name: node.metadata.name ?? '',
    labels: node.metadata.labels ?? {},
    ready: (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: spec.unschedulable === true,
    maxPods: Number(status.allocatable?.pods ?? 110),
  };
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

function wantsScheduling(pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as { nodeName?: string; schedulerName?: string; schedulingGates?: unknown[] };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !spec.nodeName && (spec.schedulerName ?? SCHEDULER) === SCHEDULER && !spec.schedulingGates?.length
    && !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** The filter step: why each node rejects the pod, in kube-scheduler's words; undefined when it fits. */
export function rejectReason(pod: KubeObject, node: NodeView, load: number): string | undefined {
  const selector = ((pod.spec ?? {}) as { nodeSelector?: Record<string, string> }).nodeSelector ?? {};
  if (!node.ready) return 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }';
  if (node.unschedulable) return 'node(s) were unschedulable';
  if (Object.entries(selector).some(([k, v]) => node.labels[k] !== v)) return "node(s) didn't match Pod's node affinity/selector";
  if (load >= node.maxPods) return 'Too many pods';
  return undefined;
}

/** `0/3 nodes are available: 1 node(s) were unschedulable, 2 ...` as the framework's FitError prints it. */
export function unschedulableMessage(total: number, reasons: string[]): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

export function startScheduler(api: Api, opts: { now?: () => Date } = {}): { stop(): Promise<void> } {
  const now = opts.now ?? (() => new Date());
  const nodeViews = new Map<string, NodeView>();
  const pending = new Map<string, KubeObject>();
  const boundTo = new Map<string, string>(); // pod key -> node, for pods that hold a node's capacity
  const unschedulable = new Set<string>();
  let rr = 0;
  let draining: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const counts = new Map<string, number>();
  const load = (node: string) => counts.get(node) ?? 0;
  function setBound(key: string, node: string | undefined): void {
    const before = boundTo.get(key);
    if (before === node) return;
    if (before !== undefined) counts.set(before, load(before) - 1);
    if (node === undefined) boundTo.delete(key);
    else {
      boundTo.set(key, node);
      counts.set(node, load(node) + 1);
    }
  }

  function kick(): void {
    if (stopped) return;
    if (draining) {
      again = true;
      return;
    }
    draining = (async () => {
      do {
        again = false;
        await new Promise((r) => setImmediate(r));
        for (const [key, pod] of [...pending]) {
          if (stopped) return;
          if (unschedulable.has(key)) continue;
          try {
            await scheduleOne(key, pod);
          } catch {
            retrySoon(); // a failed write leaves the pod pending
          }
        }
      } while (again && !stopped);
    })().finally(() => {
      draining = undefined;
    });
  }

  async function scheduleOne(key: string, pod: KubeObject): Promise<void> {
    const all = [...nodeViews.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const loads = new Map(all.map((n) => [n.name, load(n.name)]));
    const reasons: string[] = [];
    const fit = all.filter((n) => {
      const why = rejectReason(pod, n, loads.get(n.name) ?? 0);
      if (why) reasons.push(why);
      return !why;
    });
    if (!fit.length) return markUnschedulable(key, pod, unschedulableMessage(all.length, reasons));
    const least = Math.min(...fit.map((n) => loads.get(n.name) ?? 0));
    const candidates = fit.filter((n) => (loads.get(n.name) ?? 0) === least);
    const target = candidates[rr++ % candidates.length]!;
    const { name, namespace } = pod.metadata;
    try {
      await api.create(pods, namespace, {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: target.name },
      } as KubeObject, WRITE, { name: name!, subresource: 'binding' });
    } catch (err) {
      // Already bound, gone or being deleted (409/404): the watch brings the pod's new state.
      if (isKubeError(err) && (err.code === 409 || err.code === 404)) {
        if (pending.get(key) === pod) pending.delete(key);
      } else retrySoon();
      return;
    }
    if (pending.get(key) === pod) pending.delete(key);
    setBound(key, target.name);
    await recordEvent(api, WRITE, pod, {
      reason: 'Scheduled', message: `Successfully assigned ${namespace}/${name} to ${target.name}`, component: SCHEDULER,
    }, now());
  }

  async function markUnschedulable(key: string, pod: KubeObject, message: string): Promise<void> {
    unschedulable.add(key);
    await recordEvent(api, WRITE, pod, { reason: 'FailedScheduling', message, type: 'Warning', component: SCHEDULER }, now());
    const conditions = ((pod.status as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions ?? []);
    const old = conditions.find((c) => c.type === 'PodScheduled');
    const wanted = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message };
    if (old && same({ type: old.type, status: old.status, reason: old.reason, message: old.message }, wanted)) return;
    const stamp = now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = { ...wanted, lastProbeTime: null, lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : stamp };
    try {
      await api.patch(pods, pod.metadata.namespace, pod.metadata.name!, 'strategic', {
        metadata: { uid: pod.metadata.uid },
        status: { '$setElementOrder/conditions': [...conditions.filter((c) => c.type !== 'PodScheduled').map((c) => ({ type: c.type })), { type: 'PodScheduled' }], conditions: [condition] },
      }, WRITE, 'status');
    } catch (err) {
      if (!isKubeError(err)) throw err;
    }
  }

  let retryTimer: NodeJS.Timeout | undefined;
  function retrySoon(): void {
    if (retryTimer || stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      kick();
    }, 100);
  }

  function retryUnschedulable(): void {
    if (!unschedulable.size) return;
    unschedulable.clear();
    kick();
  }

  const watches: WatchHandle[] = [];
  watches.push(api.watch(nodeResource, undefined, {}, (ev) => {
    const name = ev.object.metadata.name ?? '';
    if (ev.type === 'DELETED') nodeViews.delete(name);
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') nodeViews.set(name, nodeView(ev.object));
    else return;
    retryUnschedulable();
  }));
  watches.push(api.watch(pods, undefined, {}, (ev) => {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    const pod = ev.object;
    const key = keyOf(pod);
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    const holdsNode = ev.type !== 'DELETED' && !!spec.nodeName && phase !== 'Succeeded' && phase !== 'Failed';
    const freed = boundTo.has(key) && !holdsNode;
    setBound(key, holdsNode ? spec.nodeName : undefined);
    if (ev.type !== 'DELETED' && wantsScheduling(pod)) {
      const known = pending.get(key);
      // A status write by this scheduler must not re-trigger an attempt; a spec change may make the pod fit.
      if (known && known.metadata.uid === pod.metadata.uid && unschedulable.has(key) && same(known.spec, pod.spec)) {
        pending.set(key, pod);
        return;
      }
      pending.set(key, pod);
      unschedulable.delete(key);
      kick();
    } else {
      pending.delete(key);
      unschedulable.delete(key);
    }
    if (freed) retryUnschedulable();
  }));

  return {
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      for (const w of watches) w.stop();
      await draining;
    },
  };
}
