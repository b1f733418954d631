// The words a status job's log and progress use, so the dashboard tells a pod's story the way a person
// follows it (scheduled, pulling, running, Ready) and a stuck pod says why in the kubelet's own terms
// (ImagePullBackOff with its message, CrashLoopBackOff with the exit code), which is what one acts on.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { isPodReady } from '../../_shared/core/translate-status.js';

export interface PodStory {
  /** 0-100 for job.updateProgress: scheduled 40, running 70, Ready or finished 100. */
  progress: number;
  line: string;
}

/** Why a container is not running, e.g. `container app waiting: ImagePullBackOff (Back-off pulling image "x")`. */
export function containerTrouble(statuses: readonly V1ContainerStatus[] | undefined): string[] {
  const out: string[] = [];
  for (const c of statuses ?? []) {
    const waiting = c.state?.waiting;
    const last = c.lastState?.terminated;
    if (waiting?.reason && waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing') {
      const lastExit = last ? `, last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '';
      out.push(`container ${c.name} waiting: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}${lastExit}`);
    }
    const terminated = c.state?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      out.push(`container ${c.name} exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`);
    }
  }
  return out;
}

export function hostPodStory(hostPod: V1Pod | undefined): PodStory {
  if (!hostPod) return { progress: 0, line: 'host pod absent' };
  const node = hostPod.spec?.nodeName;
  const phase = hostPod.status?.phase ?? 'Pending';
  const trouble = containerTrouble([...(hostPod.status?.initContainerStatuses ?? []), ...(hostPod.status?.containerStatuses ?? [])]);
  const why = trouble.length > 0 ? `; ${trouble.join('; ')}` : '';
  if (hostPod.metadata?.deletionTimestamp) return { progress: 100, line: `host pod terminating${node ? ` on node ${node}` : ''}` };
  if (phase === 'Succeeded') return { progress: 100, line: `host pod Succeeded on node ${node}` };
  if (phase === 'Failed') {
    const reason = [hostPod.status?.reason, hostPod.status?.message].filter(Boolean).join(': ');
    return { progress: 100, line: `host pod Failed${reason ? ` (${reason})` : ''}${why}` };
  }
  if (!node) {
    const unscheduled = hostPod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return { progress: 20, line: `host pod waiting to be scheduled${unscheduled?.message ? `: ${unscheduled.message}` : ''}` };
  }
  if (isPodReady(hostPod)) return { progress: 100, line: `host pod Ready on node ${node} (pod IP ${hostPod.status?.podIP ?? 'none'})` };
  if (phase === 'Running') return { progress: 70, line: `host pod Running on node ${node}, not Ready yet${why}` };
  return { progress: 40, line: `host pod scheduled on node ${node}, containers starting${why}` };
}
