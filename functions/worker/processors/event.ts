// event: one host event about a managed host pod, told on its virtual pod. Reads the host event (the job
// carries names only; the watch's stash in Redis, else the host API) and the host pod's provenance (the
// watch's snapshot when it has one, else the host API), translates (core/translate-event.ts) and creates or updates the one virtual event derived from it.
// Level-triggered like every job: a repeat finds the virtual event equal and writes nothing.
import type { Job } from 'bullmq';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { decodeSnapshot } from '../../_shared/core/host-pod-snapshot.js';
import { OBJECT_UID_ANNOTATION, isManagedHostPod, virtualRefOf } from '../../_shared/core/provenance.js';
import { eventDiffers, translateHostEvent } from '../../_shared/core/translate-event.js';
import { createEvent, readEvent, replaceEvent } from '../../_shared/kube/events.js';
import { isAlreadyExists } from '../../_shared/kube/kube-errors.js';
import { readPod } from '../../_shared/kube/pods.js';
import { parseEventJobData } from '../../_shared/queue/enqueue-event.js';
import type { WorkerDeps } from '../worker-deps.js';

export type EventOutcome = 'created' | 'updated' | 'unchanged' | 'host-event-gone' | 'pod-gone' | 'not-managed' | 'other-pod';

async function hostPodOf(deps: WorkerDeps, name: string): Promise<V1Pod | undefined> {
  // Provenance never changes on a host pod, so any snapshot will do, healthy watch or not.
  const snapshot = deps.hostState ? (await deps.hostState.read(name)).snapshot : undefined;
  return snapshot ? decodeSnapshot(snapshot) : readPod(deps.host, deps.hostNamespace, name);
}

/** The host event as the watch stashed it (no host API call), else from the host API. */
async function hostEventOf(deps: WorkerDeps, name: string): Promise<CoreV1Event | undefined> {
  const stashed = deps.hostState ? await deps.hostState.stashedEvent(name) : undefined;
  return stashed ? (JSON.parse(stashed) as CoreV1Event) : readEvent(deps.host, deps.hostNamespace, name);
}

export async function processEvent(job: Job, deps: WorkerDeps): Promise<EventOutcome> {
  const data = parseEventJobData(job.data);
  const hostEvent = await hostEventOf(deps, data.hostEvent);
  if (!hostEvent) return 'host-event-gone';
  const hostPod = await hostPodOf(deps, data.hostPod);
  if (!hostPod) return 'pod-gone';
  if (!isManagedHostPod(hostPod, deps.cluster, deps.hostNamespace)) return 'not-managed';
  // A pod re-created under the same name: the event belongs to the one before.
  const hostUid = hostPod.metadata?.uid;
  if (hostEvent.involvedObject?.uid && hostUid && hostEvent.involvedObject.uid !== hostUid) return 'other-pod';
  const virtual = virtualRefOf(hostPod)!;
  const desired = translateHostEvent(hostEvent, {
    vcluster: deps.cluster,
    hostNamespace: deps.hostNamespace,
    hostPodName: data.hostPod,
    ...(hostUid ? { hostPodUid: hostUid } : {}),
    virtual: { namespace: virtual.namespace, name: virtual.name, ...(hostPod.metadata?.annotations?.[OBJECT_UID_ANNOTATION] ? { uid: hostPod.metadata.annotations[OBJECT_UID_ANNOTATION] } : {}) },
  });
  return upsertVirtualEvent(deps, desired);
}

async function upsertVirtualEvent(deps: WorkerDeps, desired: CoreV1Event, attempt = 1): Promise<EventOutcome> {
  const namespace = desired.metadata!.namespace!;
  try {
    await createEvent(deps.virtual, namespace, desired);
    return 'created';
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const current = await readEvent(deps.virtual, namespace, desired.metadata!.name!);
  if (!current) {
    // Removed in between (the event TTL): create it again, once; after that the job's retry does.
    if (attempt > 1) throw new Error(`virtual event ${namespace}/${desired.metadata!.name} exists and does not`);
    return upsertVirtualEvent(deps, desired, attempt + 1);
  }
  if (!eventDiffers(current, desired)) return 'unchanged';
  // A replace conditional on what was read; a 409 retries the job, which reads again.
  await replaceEvent(deps.virtual, namespace, { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } });
  return 'updated';
}
