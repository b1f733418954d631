// kubectl debug on a simulated node: ephemeral containers added through pods/ephemeralcontainers start once
// the pod's sandbox is up (pulled, created and started like any container), report in
// status.ephemeralContainerStatuses, and are never restarted.
import type { PodHost } from './kubelet-context.js';
import { pullAndStart, waiting } from './kubelet-containers.js';
import type { ContainerRuntime } from './pod-lifecycle.js';

type Worker = PodHost & { newContainer(c: { name: string; image: string }, reason: string): ContainerRuntime };

/** Names in the spec the node has not started yet. */
export function newEphemeralContainers(p: PodHost): string[] {
  const known = new Set((p.runtime.ephemeralContainers ?? []).map((c) => c.name));
  return (p.spec.ephemeralContainers ?? []).map((c) => c.name).filter((n) => !known.has(n));
}

export async function startEphemeral(p: Worker): Promise<void> {
  if (p.deleting) return;
  const names = newEphemeralContainers(p);
  if (!names.length) return;
  const list = (p.runtime.ephemeralContainers ??= []);
  for (const name of names) list.push({ ...p.newContainer(p.specContainer(name), 'ContainerCreating'), state: waiting('ContainerCreating') });
  await p.writeStatus();
  // The sandbox must be up; until it is, the containers wait and start with the pod's own.
  if (p.runtime.sandboxReady) await pullAndStart(p, names);
}
