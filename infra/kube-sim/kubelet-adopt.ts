// A kubelet that starts again finds its pods' containers still there, as containerd keeps them across a
// kubelet restart: a pod this node already ran to a settled state (sandbox up, every container running or
// finished, init containers done) is taken over from its status as it stands, with no new events and no
// restart. Anything less settled starts over, as before. Pure.
import type { ContainerRuntime, PodRuntime } from './pod-lifecycle.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

function containerFrom(s: Obj): ContainerRuntime {
  return {
    name: s.name, image: s.image, imageID: s.imageID ?? '', containerID: s.containerID, state: s.state,
    lastState: s.lastState ?? {}, restartCount: s.restartCount ?? 0, started: !!s.started, ready: !!s.ready,
  };
}

export function adoptableRuntime(pod: KubeObject, hostIP: string): PodRuntime | undefined {
  const status = (pod.status ?? {}) as Obj;
  const spec = (pod.spec ?? {}) as Obj;
  if (pod.metadata.deletionTimestamp || status.hostIP !== hostIP || !status.podIP || !status.startTime) return undefined;
  const byName = (list: Obj[] | undefined) => new Map((list ?? []).map((s) => [s.name as string, s]));
  const apps = byName(status.containerStatuses);
  const inits = byName(status.initContainerStatuses);
  const specApps = (spec.containers ?? []) as Obj[];
  const specInits = (spec.initContainers ?? []) as Obj[];
  const settled = (s: Obj | undefined, image: string) => !!s && s.image === image && ('running' in (s.state ?? {}) || 'terminated' in (s.state ?? {}));
  if (!specApps.every((c) => settled(apps.get(c.name), c.image))) return undefined;
  if (!specInits.every((c) => inits.get(c.name)?.state?.terminated?.exitCode === 0)) return undefined;
  return {
    hostIP,
    startTime: status.startTime,
    podIP: status.podIP,
    sandboxReady: true,
    initContainers: specInits.map((c) => containerFrom(inits.get(c.name)!)),
    containers: specApps.map((c) => containerFrom(apps.get(c.name)!)),
    terminal: false,
  };
}
