// The host pod as a status job sees it: from the host watch's snapshot in Redis while the watch is healthy
// (no host API call), else from the host API as before the watch existed. A pod the healthy watch does not
// know (just created, or gone) is read once from the API: the plan never reports status from an absence.
import type { V1Pod } from '@kubernetes/client-node';
import { decodeSnapshot } from '../_shared/core/host-pod-snapshot.js';
import { readPod } from '../_shared/kube/pods.js';
import type { WorkerDeps } from './worker-deps.js';

export interface HostPodView {
  pod?: V1Pod;
  /** From the snapshot: the pod has no spec, and the next change arrives as a job from the watch. */
  fromSnapshot: boolean;
  /** The watch is healthy: its events bring the next change, no poll is needed. */
  watched: boolean;
}

export async function viewHostPod(deps: WorkerDeps, hostName: string): Promise<HostPodView> {
  const state = deps.hostState ? await deps.hostState.read(hostName) : { healthy: false };
  if (state.healthy && state.snapshot) return { pod: decodeSnapshot(state.snapshot), fromSnapshot: true, watched: true };
  return { pod: await readPod(deps.host, deps.hostNamespace, hostName), fromSnapshot: false, watched: state.healthy };
}
