// Which run of a container a log request reads, decided from the container's status as the kubelet does
// (pkg/kubelet/kubelet_pods.go validateContainerLogStatus), with its error messages (400 from the kubelet,
// relayed by the API server as BadRequest).
import { badRequest } from '../errors.js';
import type { ContainerInstance } from '../container-runtime/instance.js';
import type { Sandbox } from '../container-runtime/runtime.js';
import type { KubeObject } from '../types.js';

type Status = {
  name: string;
  containerID?: string;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { containerID?: string } };
  lastState?: { terminated?: { containerID?: string } };
};

function statusOf(pod: KubeObject, container: string): Status | undefined {
  const s = (pod.status ?? {}) as Record<string, Status[] | undefined>;
  for (const list of [s.containerStatuses, s.initContainerStatuses, s.ephemeralContainerStatuses]) {
    const found = list?.find((c) => c.name === container);
    if (found) return found;
  }
  return undefined;
}

/** The containerID whose log is wanted, or the kubelet's refusal. */
export function logContainerId(pod: KubeObject, container: string, previous: boolean): string {
  const podName = pod.metadata.name;
  const q = (s: string | undefined) => JSON.stringify(s ?? '');
  const status = statusOf(pod, container);
  if (!status) throw badRequest(`container ${q(container)} in pod ${q(podName)} is not available`);
  const last = status.lastState?.terminated;
  const { waiting, running, terminated } = status.state ?? {};
  if (previous) {
    if (!last?.containerID) throw badRequest(`previous terminated container ${q(container)} in pod ${q(podName)} not found`);
    return last.containerID;
  }
  if (running) return status.containerID ?? '';
  if (terminated) {
    if (terminated.containerID) return terminated.containerID;
    if (last?.containerID) return last.containerID;
    throw badRequest(`container ${q(container)} in pod ${q(podName)} is terminated`);
  }
  if (last) {
    if (!last.containerID) throw badRequest(`container ${q(container)} in pod ${q(podName)} is terminated`);
    return last.containerID;
  }
  if (waiting) {
    const reason = waiting.reason;
    if (reason === 'ErrImagePull') throw badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff') throw badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: trying and failing to pull image`);
    throw badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: ${reason}`);
  }
  throw badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`);
}

export function runById(box: Sandbox | undefined, container: string, containerID: string): ContainerInstance | undefined {
  return box?.runs.get(container)?.find((r) => r.info.containerID === containerID);
}
