// Events as the scheduler's and kubelet's recorders write them (client-go tools/record): core/v1 Event named
// <object>.<hex nanoseconds>, involvedObject with uid and fieldPath, source component and host.
import { events } from './resources.js';
import type { Api, KubeObject, WriteOptions } from './types.js';

export interface EventSpec {
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  component: string;
  host?: string;
  /** e.g. spec.containers{nginx}, for events about one container. */
  fieldPath?: string;
  /** The kind of the object the event is about, when it is not a Pod. */
  involvedKind?: string;
}

let lastNanos = 0n;

/** Strictly increasing, so two events of one pod in the same millisecond still get distinct names. */
function nanosNow(now: Date): bigint {
  let n = BigInt(now.getTime()) * 1_000_000n;
  if (n <= lastNanos) n = lastNanos + 1n;
  lastNanos = n;
  return n;
}

export function eventObject(pod: KubeObject, spec: EventSpec, now: Date): KubeObject {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Pods by default; the workload controllers pass their own objects, which carry kind and apiVersion.
  const involvedObject: Record<string, unknown> = {
    kind: spec.involvedKind ?? pod.kind ?? 'Pod',
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    apiVersion: pod.apiVersion ?? 'v1',
    resourceVersion: pod.metadata.resourceVersion,
  };
  if (spec.fieldPath) involvedObject.fieldPath = spec.fieldPath;
  const source: Record<string, string> = { component: spec.component };
  if (spec.host) source.host = spec.host;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${pod.metadata.name}.${nanosNow(now).toString(16)}`, namespace: pod.metadata.namespace },
    involvedObject,
    reason: spec.reason,
    message: spec.message,
    source,
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
    type: spec.type ?? 'Normal',
    eventTime: null,
    reportingComponent: spec.component,
    reportingInstance: spec.host ?? '',
  };
}

/** Best effort like the real recorder: an event that cannot be written is dropped, never fails the caller. */
export async function recordEvent(api: Api, opts: WriteOptions, pod: KubeObject, spec: EventSpec, now: Date): Promise<void> {
  try {
    await api.create(events, pod.metadata.namespace, eventObject(pod, spec, now), opts);
  } catch {
    // dropped, as client-go's broadcaster drops events it cannot write
  }
}
