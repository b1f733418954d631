import type { CoreV1Event } from '@kubernetes/client-node';
import { sha256Hex } from './names.js';

// Host events about a host pod, told in the virtual cluster about its virtual pod (vCluster's event syncer):
// the same reason, type, message, count, timestamps and reporter, with every host name in the message put
// back into virtual words, on an event whose name is derived from the host event's, so a host event that is
// updated (its count grows) updates one virtual event instead of adding another.

export interface EventContext {
  vcluster: string;
  hostNamespace: string;
  hostPodName: string;
  hostPodUid?: string;
  virtual: { namespace: string; name: string; uid?: string };
}

/** client-go's recorder names an event `<object>.<UnixNano in hex>`: its suffix sorts as the events happened. */
const RECORDER_SUFFIX = /^(.+)\.([0-9a-f]{12,16})$/;

/**
 * `<virtual pod>.<suffix>`: stable and distinct per host event, at most 253 characters. The suffix is the host
 * event's own when the recorder named it after the host pod (a time in hex), so the virtual events list in the
 * order they happened, as kubectl describe shows them on any cluster (it keeps the API's order among events of
 * the same second); otherwise 16 hex of sha256(host event name).
 */
export function virtualEventName(hostEventName: string, virtualPodName: string, hostPodName?: string): string {
  const recorded = RECORDER_SUFFIX.exec(hostEventName);
  const suffix = recorded && recorded[1] === hostPodName ? recorded[2] : sha256Hex(hostEventName).slice(0, 16);
  return `${virtualPodName.slice(0, 253 - 17)}.${suffix}`;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A name boundary: not a character a Kubernetes name could continue with.
const edge = (s: string) => new RegExp(`(?<![-a-z0-9.])${escape(s)}(?![-a-z0-9])`, 'g');

/**
 * Host names in a text, replaced by virtual ones: the host pod's name, the host names of the pod's
 * namespace's objects (`<name>-x-<namespace>-x-<vcluster>`, configmaps and secrets in a FailedMount), the
 * host namespace, and the host pod's uid (kubelet back-off messages name `pod_namespace(uid)`).
 */
export function hostToVirtualText(text: string, ctx: EventContext): string {
  let out = text.replace(edge(ctx.hostPodName), ctx.virtual.name);
  const objectName = new RegExp(`(?<![-a-z0-9.])([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)-x-${escape(ctx.virtual.namespace)}-x-${escape(ctx.vcluster)}(?![-a-z0-9])`, 'g');
  out = out.replace(objectName, '$1');
  out = out.replace(edge(ctx.hostNamespace), ctx.virtual.namespace);
  if (ctx.hostPodUid && ctx.virtual.uid) out = out.split(ctx.hostPodUid).join(ctx.virtual.uid);
  return out;
}

/** The virtual event for a host event about the host pod in `ctx`. */
export function translateHostEvent(hostEvent: CoreV1Event, ctx: EventContext): CoreV1Event {
  const host = hostEvent.involvedObject ?? {};
  const out: CoreV1Event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: virtualEventName(hostEvent.metadata?.name ?? '', ctx.virtual.name, ctx.hostPodName), namespace: ctx.virtual.namespace },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: ctx.virtual.name,
      namespace: ctx.virtual.namespace,
      ...(ctx.virtual.uid ? { uid: ctx.virtual.uid } : {}),
      ...(host.fieldPath ? { fieldPath: host.fieldPath } : {}),
    },
  };
  if (hostEvent.reason) out.reason = hostEvent.reason;
  if (hostEvent.message !== undefined) out.message = hostToVirtualText(hostEvent.message, ctx);
  if (hostEvent.type) out.type = hostEvent.type;
  if (hostEvent.count !== undefined) out.count = hostEvent.count;
  if (hostEvent.firstTimestamp) out.firstTimestamp = hostEvent.firstTimestamp;
  if (hostEvent.lastTimestamp) out.lastTimestamp = hostEvent.lastTimestamp;
  if (hostEvent.source) out.source = { ...hostEvent.source };
  if (hostEvent.reportingComponent) out.reportingComponent = hostEvent.reportingComponent;
  if (hostEvent.reportingInstance) out.reportingInstance = hostEvent.reportingInstance;
  // An eventTime (events.k8s.io style) is only valid with its reporter and action; without them it is dropped.
  if (hostEvent.eventTime && hostEvent.reportingComponent && hostEvent.reportingInstance && hostEvent.action) {
    out.eventTime = hostEvent.eventTime;
    out.action = hostEvent.action;
  }
  if (hostEvent.series) out.series = { ...hostEvent.series };
  return out;
}

/** The fields a repeat of the event changes; equal means the virtual event needs no write. */
export function eventDiffers(current: CoreV1Event, desired: CoreV1Event): boolean {
  const pick = (e: CoreV1Event) => JSON.stringify([e.reason, e.message, e.type, e.count, stamp(e.firstTimestamp), stamp(e.lastTimestamp), e.series?.count, e.involvedObject?.uid, e.involvedObject?.fieldPath]);
  return pick(current) !== pick(desired);
}

function stamp(v: Date | string | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString().slice(0, 19);
}
