// event: the host events about one managed host pod, told on its virtual pod. The job carries the pod's
// name only; it reads the pod's pending events (marked by the host watch as it stashed them in Redis, else,
// for a job queued before events were told per pod, the one event it names), the events themselves (the
// watch's stash, else the host API) and the host pod's provenance (the watch's snapshot when it has one,
// else the host API), translates each (core/translate-event.ts) and creates or updates the one virtual
// event derived from it. An event is marked told only after its virtual event is written, and only if no
// newer version of it arrived meanwhile: after a crash or a failure it is told again, never lost.
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
import { jobNotes } from '../../_shared/queue/job-log.js';
import type { EventWork } from '../../_shared/queue/host-pod-state.js';
import type { WorkerDeps } from '../worker-deps.js';

export type EventOutcome = 'created' | 'updated' | 'unchanged' | 'host-event-gone' | 'pod-gone' | 'not-managed' | 'other-pod' | 'none-pending';

/** The job's outcome (one metric label) from its events': the strongest effect wins. */
const RANK: readonly EventOutcome[] = ['created', 'updated', 'unchanged', 'other-pod', 'host-event-gone', 'not-managed', 'pod-gone', 'none-pending'];

/** The host pod's provenance: from the watch's snapshot (it never changes on a host pod, so any will do), else the host API. */
async function hostPodOf(deps: WorkerDeps, name: string, snapshot: string | undefined): Promise<V1Pod | undefined> {
  return snapshot ? decodeSnapshot(snapshot) : readPod(deps.host, deps.hostNamespace, name);
}

/** The host events as the watch stashed them (no host API call), else each from the host API. */
function hostEventsOf(deps: WorkerDeps, names: readonly string[], stashed: ReadonlyArray<string | undefined>): Promise<Array<CoreV1Event | undefined>> {
  return Promise.all(names.map((name, i) => (stashed[i] ? (JSON.parse(stashed[i]!) as CoreV1Event) : readEvent(deps.host, deps.hostNamespace, name))));
}

export async function processEvent(job: Job, deps: WorkerDeps): Promise<EventOutcome> {
  const data = parseEventJobData(job.data);
  const also = data.hostEvent ? [data.hostEvent] : [];
  // Pending names, their stash and the pod's snapshot: one Redis command (host-pod-state.ts).
  const work: EventWork = deps.hostState ? await deps.hostState.eventWork(data.hostPod, also) : { pending: new Map(), names: also, stashed: also.map(() => undefined) };
  if (work.names.length === 0) return 'none-pending';
  const outcomes = await tellEvents(deps, data.hostPod, work);
  if (deps.hostState) await deps.hostState.eventsTold(data.hostPod, work.pending);
  const story = jobNotes(job, deps.now, deps.jobLog);
  for (const [i, n] of work.names.entries()) await story.note(`host event ${n}: ${outcomes[i]}`);
  await story.flush();
  return RANK.find((o) => outcomes.includes(o)) ?? 'unchanged';
}

async function tellEvents(deps: WorkerDeps, hostPodName: string, work: EventWork): Promise<EventOutcome[]> {
  const { names } = work;
  const events = await hostEventsOf(deps, names, work.stashed);
  if (events.every((e) => !e)) return names.map(() => 'host-event-gone');
  const hostPod = await hostPodOf(deps, hostPodName, work.snapshot);
  if (!hostPod) return names.map(() => 'pod-gone');
  if (!isManagedHostPod(hostPod, deps.cluster, deps.hostNamespace)) return names.map(() => 'not-managed');
  const hostUid = hostPod.metadata?.uid;
  const virtual = virtualRefOf(hostPod)!;
  const out: EventOutcome[] = [];
  for (const hostEvent of events) {
    if (!hostEvent) {
      out.push('host-event-gone');
      continue;
    }
    // A pod re-created under the same name: the event belongs to the one before.
    if (hostEvent.involvedObject?.uid && hostUid && hostEvent.involvedObject.uid !== hostUid) {
      out.push('other-pod');
      continue;
    }
    const desired = translateHostEvent(hostEvent, {
      vcluster: deps.cluster,
      hostNamespace: deps.hostNamespace,
      hostPodName,
      ...(hostUid ? { hostPodUid: hostUid } : {}),
      virtual: { namespace: virtual.namespace, name: virtual.name, ...(hostPod.metadata?.annotations?.[OBJECT_UID_ANNOTATION] ? { uid: hostPod.metadata.annotations[OBJECT_UID_ANNOTATION] } : {}) },
    });
    out.push(await upsertVirtualEvent(deps, desired));
  }
  return out;
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
