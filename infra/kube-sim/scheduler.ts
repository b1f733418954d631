// The simulator's default-scheduler: binds each pending pod to a Ready node through pods/binding, least
// loaded first, and reports pods that fit nowhere the way kube-scheduler does (PodScheduled=False
// Unschedulable plus a FailedScheduling event). It accounts the cpu and memory requests of the pods on each
// node, and checks PersistentVolumeClaims (scheduler-volumes.ts). Driven by watches only; a pod that fits
// nowhere is retried when a node, a claim or a volume changes or a pod leaves, never by polling.
import { isKubeError } from './errors.js';
import { podRequests, type Requests } from './quantity.js';
import { nodes as nodeResource, persistentVolumeClaims, pods } from './resources.js';
import { nodeView, rejectReasons, unschedulableMessage, type NodeView, type Rejection, type Usage } from './scheduler-filter.js';
import { createVolumeCache } from './scheduler-volume-cache.js';
import { checkPodVolumes, SELECTED_NODE } from './scheduler-volumes.js';
import { recordEvent } from './sim-events.js';
import { same } from './pod-lifecycle.js';
import type { Api, KubeObject, UserInfo, WatchHandle } from './types.js';

export { rejectReasons, unschedulableMessage } from './scheduler-filter.js';

const SCHEDULER = 'default-scheduler';
const USER: UserInfo = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
const WRITE = { dryRun: false, user: USER, fieldManager: 'kube-scheduler' };

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

function wantsScheduling(pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as { nodeName?: string; schedulerName?: string; schedulingGates?: unknown[] };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !spec.nodeName && (spec.schedulerName ?? SCHEDULER) === SCHEDULER && !spec.schedulingGates?.length
    && !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function startScheduler(api: Api, opts: { now?: () => Date } = {}): { stop(): Promise<void> } {
  const now = opts.now ?? (() => new Date());
  const nodeViews = new Map<string, NodeView>();
  const pending = new Map<string, KubeObject>();
  const unschedulable = new Set<string>();
  const volumes = createVolumeCache();
  let rr = 0;
  let draining: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  // What each node holds: pods and their requests, from the pods bound to it that have not finished.
  const boundTo = new Map<string, { node: string } & Requests>();
  const usage = new Map<string, Usage>();
  const usageOf = (node: string): Usage => usage.get(node) ?? { pods: 0, cpu: 0, memory: 0 };
  function setBound(key: string, node: string | undefined, request: Requests): void {
    const before = boundTo.get(key);
    if (before ? before.node === node && before.cpu === request.cpu && before.memory === request.memory : node === undefined) return;
    if (before) {
      const u = usageOf(before.node);
      usage.set(before.node, { pods: u.pods - 1, cpu: u.cpu - before.cpu, memory: u.memory - before.memory });
    }
    if (node === undefined) boundTo.delete(key);
    else {
      boundTo.set(key, { node, ...request });
      const u = usageOf(node);
      usage.set(node, { pods: u.pods + 1, cpu: u.cpu + request.cpu, memory: u.memory + request.memory });
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
    if (!all.length) return markUnschedulable(key, pod, unschedulableMessage(0, []));
    const claims = checkPodVolumes(pod, volumes);
    if (!claims.ok) return markUnschedulable(key, pod, unschedulableMessage(all.length, [], claims.message));
    const request = podRequests(pod.spec as Record<string, unknown> | undefined);
    const perNode: Rejection[][] = [];
    const fit = all.filter((n) => {
      const why = rejectReasons(pod, n, usageOf(n.name), request, claims.bound);
      if (why.length) perNode.push(why);
      return !why.length;
    });
    if (!fit.length) return markUnschedulable(key, pod, unschedulableMessage(all.length, perNode));
    const least = Math.min(...fit.map((n) => usageOf(n.name).pods));
    const candidates = fit.filter((n) => usageOf(n.name).pods === least);
    const target = candidates[rr++ % candidates.length]!;
    // PreBind of WaitForFirstConsumer claims: name the node on each claim, then wait until the provisioner
    // has bound them; the claim's watch brings the pod back here, and its volume's affinity keeps the node.
    if (claims.delayed.length) return selectNodeForClaims(key, claims.delayed, target.name);
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
    setBound(key, target.name, request);
    await recordEvent(api, WRITE, pod, {
      reason: 'Scheduled', message: `Successfully assigned ${namespace}/${name} to ${target.name}`, component: SCHEDULER,
    }, now());
  }

  async function selectNodeForClaims(key: string, claims: KubeObject[], node: string): Promise<void> {
    unschedulable.add(key); // parked until a claim changes
    for (const claim of claims) {
      if (claim.metadata.annotations?.[SELECTED_NODE]) continue;
      try {
        await api.patch(persistentVolumeClaims, claim.metadata.namespace, claim.metadata.name!, 'merge', { metadata: { annotations: { [SELECTED_NODE]: node } } }, WRITE);
      } catch (err) {
        if (!isKubeError(err)) throw err;
      }
    }
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
  // A claim, volume or class that appears, binds or changes may let a parked pod through.
  for (const handle of volumes.watch(api, retryUnschedulable)) watches.push(handle);
  watches.push(api.watch(pods, undefined, {}, (ev) => {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    const pod = ev.object;
    const key = keyOf(pod);
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    const holdsNode = ev.type !== 'DELETED' && !!spec.nodeName && phase !== 'Succeeded' && phase !== 'Failed';
    const freed = boundTo.has(key) && !holdsNode;
    setBound(key, holdsNode ? spec.nodeName : undefined, podRequests(pod.spec as Record<string, unknown> | undefined));
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
