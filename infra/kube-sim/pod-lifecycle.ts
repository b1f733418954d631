// The pod status a kubelet writes, as pure functions of what the node knows about the pod (sandbox, container
// states) and the clock. Rules follow pkg/kubelet/kubelet_pods.go (getPhase), pkg/kubelet/status/generate.go
// (conditions, reasons, messages) and the status manager's two-way strategic merge patch.
import type { KubeObject } from './types.js';

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: TerminatedState };

export interface TerminatedState {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}

/** What the node knows about one container. */
export interface ContainerRuntime {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  state: ContainerState;
  lastState: { terminated?: TerminatedState };
  restartCount: number;
  started: boolean;
  ready: boolean;
}

/** What the node knows about one pod. */
export interface PodRuntime {
  hostIP: string;
  startTime: string;
  podIP?: string;
  sandboxReady: boolean;
  initContainers: ContainerRuntime[];
  containers: ContainerRuntime[];
  /** kubectl debug's containers: started once added, never restarted, outside phase and readiness. */
  ephemeralContainers?: ContainerRuntime[];
  /** Set once the pod is being torn down and no container will start again. */
  terminal: boolean;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

type Spec = {
  restartPolicy?: string;
  readinessGates?: Array<{ conditionType: string }>;
  containers?: Array<{ resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
  initContainers?: Array<{ resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
};

const specOf = (pod: KubeObject): Spec => (pod.spec ?? {}) as Spec;
const statusOf = (pod: KubeObject): Record<string, unknown> => (pod.status ?? {}) as Record<string, unknown>;

/** Go formats a []string as [a b]; the kubelet's condition messages print container names that way. */
const goList = (names: string[]) => `[${names.join(' ')}]`;

/** getPhase from kubelet_pods.go, for app containers once init containers are done. */
export function podPhase(restartPolicy: string, runtime: PodRuntime): string {
  const inits = runtime.initContainers;
  if (inits.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0) && restartPolicy === 'Never') return 'Failed';
  if (inits.some((c) => !('terminated' in c.state && c.state.terminated.exitCode === 0))) return runtime.terminal ? 'Failed' : 'Pending';
  let waiting = 0, running = 0, stopped = 0, succeeded = 0;
  for (const c of runtime.containers) {
    if ('running' in c.state) running++;
    else if ('terminated' in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState.terminated) stopped++;
    else waiting++;
  }
  // A pod being torn down restarts nothing, so Always behaves like Never (podIsTerminal in the kubelet).
  const policy = runtime.terminal ? 'Never' : restartPolicy;
  if (waiting > 0) return runtime.terminal ? 'Failed' : 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (policy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  return policy === 'OnFailure' ? 'Running' : 'Failed';
}

/** Guaranteed when every container's cpu and memory requests equal its limits, BestEffort when none is set. */
export function qosClass(pod: KubeObject): string {
  const all = [...(specOf(pod).initContainers ?? []), ...(specOf(pod).containers ?? [])];
  let any = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const limit = lim[r];
      const request = req[r] ?? limit; // an unset request defaults to the limit
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function condition(type: string, ok: boolean, reason?: string, message?: string): Omit<PodCondition, 'lastTransitionTime'> {
  const c: Omit<PodCondition, 'lastTransitionTime'> = { type, status: ok ? 'True' : 'False', lastProbeTime: null };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/**
 * Conditions in the kubelet's order: conditions it does not own kept first, then PodReadyToStartContainers,
 * Initialized, Ready, ContainersReady, PodScheduled. lastTransitionTime moves only when status flips.
 */
export function podConditions(pod: KubeObject, runtime: PodRuntime, phase: string, now: Date): PodCondition[] {
  const old = ((statusOf(pod).conditions ?? []) as PodCondition[]);
  const owned = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  const kept = old.filter((c) => !owned.includes(c.type));

  const incompleteInit = runtime.initContainers
    .filter((c) => !('terminated' in c.state && c.state.terminated.exitCode === 0))
    .map((c) => c.name);
  const unready = runtime.containers.filter((c) => !c.ready).map((c) => c.name);
  const terminalPhase = phase === 'Succeeded' || phase === 'Failed';
  const terminalReason = phase === 'Failed' ? 'PodFailed' : 'PodCompleted';

  let containersReady;
  if (terminalPhase) containersReady = condition('ContainersReady', false, terminalReason);
  else if (incompleteInit.length) containersReady = condition('ContainersReady', false, 'ContainersNotInitialized', `containers with incomplete status: ${goList(incompleteInit)}`);
  else if (unready.length) containersReady = condition('ContainersReady', false, 'ContainersNotReady', `containers with unready status: ${goList(unready)}`);
  else containersReady = condition('ContainersReady', true);

  let ready;
  const gates = (specOf(pod).readinessGates ?? []).map((g) => g.conditionType);
  const unmetGates = gates.filter((g) => !kept.some((c) => c.type === g && c.status === 'True'));
  if (containersReady.status !== 'True') ready = { ...containersReady, type: 'Ready' };
  else if (unmetGates.length) ready = condition('Ready', false, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${unmetGates[0]}" does not exist.`);
  else ready = condition('Ready', true);

  let initialized;
  if (incompleteInit.length) initialized = condition('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: ${goList(incompleteInit)}`);
  else initialized = condition('Initialized', true);

  const fresh = [
    // A finished pod's sandbox is torn down.
    condition('PodReadyToStartContainers', runtime.sandboxReady && !terminalPhase),
    initialized,
    ready,
    containersReady,
    condition('PodScheduled', true),
  ];
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    ...kept,
    ...fresh.map((c) => {
      const before = old.find((o) => o.type === c.type);
      const lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : stamp;
      return { ...c, lastTransitionTime } as PodCondition;
    }),
  ];
}

export function containerStatus(c: ContainerRuntime): Record<string, unknown> {
  const s: Record<string, unknown> = {
    name: c.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageID,
    started: c.started,
  };
  if (c.containerID) s.containerID = c.containerID;
  return s;
}

const byName = (a: ContainerRuntime, b: ContainerRuntime) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The whole status the kubelet wants the API server to hold for this pod now. */
export function desiredStatus(pod: KubeObject, runtime: PodRuntime, now: Date): Record<string, unknown> {
  const phase = podPhase(specOf(pod).restartPolicy ?? 'Always', runtime);
  const status: Record<string, unknown> = {
    phase,
    conditions: podConditions(pod, runtime, phase, now),
    hostIP: runtime.hostIP,
    hostIPs: [{ ip: runtime.hostIP }],
    startTime: runtime.startTime,
    qosClass: qosClass(pod),
  };
  if (runtime.podIP) {
    status.podIP = runtime.podIP;
    status.podIPs = [{ ip: runtime.podIP }];
  }
  if (runtime.initContainers.length) status.initContainerStatuses = [...runtime.initContainers].map(containerStatus);
  status.containerStatuses = [...runtime.containers].sort(byName).map(containerStatus);
  if (runtime.ephemeralContainers?.length) status.ephemeralContainerStatuses = runtime.ephemeralContainers.map(containerStatus);
  return status;
}

/**
 * Deep equality that ignores key order and treats a null field as absent: the stored object need not list keys
 * the way this module does, and a strategic merge patch stores `lastProbeTime: null` by dropping the key.
 */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).filter((k) => o[k] !== null && o[k] !== undefined).sort().map((k) => [k, canonical(o[k])]));
  }
  return v;
}
export const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * The strategic merge patch the status manager sends (pkg/util/pod PatchPodStatus): a two-way diff of the
 * status with metadata.uid as a precondition. Conditions and IP lists merge by key and carry
 * $setElementOrder; container status lists are atomic and go whole. Undefined when nothing changed.
 */
export function statusPatch(uid: string, oldStatus: Record<string, unknown>, newStatus: Record<string, unknown>): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  const keyed: Record<string, string> = { conditions: 'type', hostIPs: 'ip', podIPs: 'ip' };
  for (const key of new Set([...Object.keys(oldStatus), ...Object.keys(newStatus)])) {
    const before = oldStatus[key];
    const after = newStatus[key];
    if (same(before, after)) continue;
    if (after === undefined) {
      patch[key] = null;
      continue;
    }
    const mergeKey = keyed[key];
    if (mergeKey && Array.isArray(after)) {
      const old = Array.isArray(before) ? (before as Record<string, unknown>[]) : [];
      const items = after as Record<string, unknown>[];
      patch[`$setElementOrder/${key}`] = items.map((i) => ({ [mergeKey]: i[mergeKey] }));
      // A field the new item lacks is cleared with null, as a two-way diff does (Ready True drops its reason).
      const changed = items
        .map((i) => [old.find((o) => o[mergeKey] === i[mergeKey]), i] as const)
        .filter(([o, i]) => !same(o, i))
        .map(([o, i]) => {
          const cleared = Object.keys(o ?? {}).filter((k) => !(k in i)).map((k) => [k, null]);
          return { ...Object.fromEntries(cleared), ...i };
        });
      if (changed.length) patch[key] = changed;
      const gone = old.filter((o) => !items.some((i) => i[mergeKey] === o[mergeKey]));
      if (gone.length) patch[key] = [...changed, ...gone.map((o) => ({ $patch: 'delete', [mergeKey]: o[mergeKey] }))];
      continue;
    }
    patch[key] = after;
  }
  if (!Object.keys(patch).length) return undefined;
  return { metadata: { uid }, status: patch };
}
