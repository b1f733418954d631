// Remembering the virtual pod a worker wrote or read, for the next status look (core/seen-virtual-pod.ts).
// A job buffers what it would remember and writes it with its story, in the same Redis command
// (queue/job-log.ts); without a job buffer it is written at once. Best effort either way: a lost write
// costs the next look one virtual GET, never a wrong report.
import type { V1Pod } from '@kubernetes/client-node';
import { hostPodName } from '../_shared/core/names.js';
import { encodeSeenVirtualPod, SEEN_VIRTUAL_POD_TTL_MS } from '../_shared/core/seen-virtual-pod.js';
import type { VersionedWrite } from '../_shared/queue/job-log.js';
import type { WorkerDeps } from './worker-deps.js';

/** One job's pending write: the newest pod it wrote or read, written at its end. */
export interface SeenVirtualBuffer {
  pending?: VersionedWrite;
}

/** The deps of one job that writes its story with a writer: what it remembers waits for its end. */
export function withSeenVirtualBuffer(deps: WorkerDeps): { deps: WorkerDeps; buffer?: SeenVirtualBuffer } {
  if (!deps.jobLog || !deps.hostState) return { deps };
  const buffer: SeenVirtualBuffer = {};
  return { deps: { ...deps, seenVirtualBuffer: buffer }, buffer };
}

/** `inSyncWithHost`: the host pod's resourceVersion this pod's status is known to reflect (core/seen-virtual-pod.ts). */
export async function rememberVirtualPod(deps: WorkerDeps, pod: V1Pod | undefined, inSyncWithHost?: string): Promise<void> {
  const m = pod?.metadata;
  if (!deps.hostState || !m?.name || !m.namespace || !m.resourceVersion) return;
  const hostName = hostPodName(m.name, m.namespace, deps.cluster);
  // A job writes to one pod, one step after another: its last write is its newest.
  const write: VersionedWrite = { key: deps.hostState.seenVirtualKey(hostName), version: m.resourceVersion, value: encodeSeenVirtualPod(pod!, inSyncWithHost), ttlMs: SEEN_VIRTUAL_POD_TTL_MS };
  if (deps.seenVirtualBuffer) {
    deps.seenVirtualBuffer.pending = write;
    return;
  }
  await deps.hostState.rememberVirtual(hostName, write.version, write.value, write.ttlMs)
    .catch((err) => deps.log.warn({ err: (err as Error).message, pod: `${m.namespace}/${m.name}` }, 'could not remember the virtual pod'));
}

export async function forgetVirtualPod(deps: WorkerDeps, virtual: { namespace: string; name: string }): Promise<void> {
  if (!deps.hostState) return;
  const hostName = hostPodName(virtual.name, virtual.namespace, deps.cluster);
  if (deps.seenVirtualBuffer?.pending?.key === deps.hostState.seenVirtualKey(hostName)) delete deps.seenVirtualBuffer.pending;
  await deps.hostState.forgetVirtual(hostName);
}
