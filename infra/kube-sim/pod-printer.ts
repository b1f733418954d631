// The pod row of `kubectl get pods`, derived as k8s pkg/printers/internalversion/printers.go printPod does
// it: READY counts, the STATUS reason from init and app container states, RESTARTS with the last restart age.
import { ageSince } from './human-duration.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

interface PodSummary { ready: number; total: number; reason: string; restarts: number; lastRestart: number }

function terminatedAt(status: Obj): number {
  const finished = status.lastState?.terminated?.finishedAt;
  return typeof finished === 'string' ? Date.parse(finished) || 0 : 0;
}

function summarize(pod: KubeObject): PodSummary {
  const spec: Obj = (pod.spec as Obj) ?? {};
  const status: Obj = (pod.status as Obj) ?? {};
  const initSpecs: Obj[] = spec.initContainers ?? [];
  const restartable = (name: string) => initSpecs.find((c) => c.name === name)?.restartPolicy === 'Always';
  const total = (spec.containers ?? []).length + initSpecs.filter((c) => c.restartPolicy === 'Always').length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  let reason: string = status.reason || status.phase || '';
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let initializing = false;
  const initStatuses: Obj[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const state: Obj = c.state ?? {};
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, terminatedAt(c));
    if (restartable(c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, terminatedAt(c));
    }
    if (state.terminated && (state.terminated.exitCode ?? 0) === 0) continue;
    if (restartable(c.name) && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (state.terminated) {
      const t = state.terminated;
      reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode ?? 0}`;
    } else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c: Obj) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: Obj[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      const state: Obj = c.state ?? {};
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, terminatedAt(c));
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated?.reason) reason = state.terminated.reason;
      else if (state.terminated) reason = state.terminated.signal ? `Signal:${state.terminated.signal}` : `ExitCode:${state.terminated.exitCode ?? 0}`;
      else if (c.ready && state.running) { hasRunning = true; ready++; }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (status.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';
  return { ready, total, reason, restarts, lastRestart };
}

/** The STATUS column: Pending, ContainerCreating, Running, Completed, CrashLoopBackOff, Init:0/1, Terminating, ... */
export function podStatusReason(pod: KubeObject): string {
  return summarize(pod).reason;
}

/** Cells in column order: Name, Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates. */
export function podCells(pod: KubeObject, now: Date): unknown[] {
  const s = summarize(pod);
  const spec: Obj = (pod.spec as Obj) ?? {};
  const status: Obj = (pod.status as Obj) ?? {};
  const restarts = s.restarts !== 0 && s.lastRestart > 0
    ? `${s.restarts} (${ageSince(new Date(s.lastRestart).toISOString(), now)} ago)`
    : String(s.restarts);
  const gates: Obj[] = spec.readinessGates ?? [];
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const met = gates.filter((g) => (status.conditions ?? []).find((c: Obj) => c.type === g.conditionType)?.status === 'True').length;
    readinessGates = `${met}/${gates.length}`;
  }
  return [
    pod.metadata.name ?? '', `${s.ready}/${s.total}`, s.reason, restarts, ageSince(pod.metadata.creationTimestamp, now),
    status.podIPs?.[0]?.ip || '<none>', spec.nodeName || '<none>', status.nominatedNodeName || '<none>', readinessGates,
  ];
}

/** Rows of finished pods carry a Completed condition, which kubectl uses to hide them under --show-all=false. */
export function podRowConditions(pod: KubeObject): Array<Record<string, string>> | undefined {
  const phase = (pod.status as Obj | undefined)?.phase;
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}
