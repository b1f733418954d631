// Events, one API call each: the host events the host watch hands over, and the virtual events they become.
import type { CoreV1Event, CoreV1EventList } from '@kubernetes/client-node';
import { unlessNotFound } from './kube-errors.js';
import type { KubeSide } from './kube-side.js';

export function readEvent(side: KubeSide, namespace: string, name: string): Promise<CoreV1Event | undefined> {
  return unlessNotFound(side.call('get', (core) => core.readNamespacedEvent({ namespace, name })));
}

export function createEvent(side: KubeSide, namespace: string, event: CoreV1Event): Promise<CoreV1Event> {
  return side.call('create', (core) => core.createNamespacedEvent({ namespace, body: event }));
}

/** A replace conditional on `event.metadata.resourceVersion` (409 when the event moved meanwhile). */
export function replaceEvent(side: KubeSide, namespace: string, event: CoreV1Event): Promise<CoreV1Event> {
  return side.call('update', (core) => core.replaceNamespacedEvent({ namespace, name: event.metadata!.name!, body: event }));
}

export function listEventsPage(side: KubeSide, namespace: string, opts: { fieldSelector?: string; limit: number; continueToken?: string }): Promise<CoreV1EventList> {
  return side.call('list', (core) => core.listNamespacedEvent({
    namespace, limit: opts.limit, ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}), ...(opts.continueToken ? { _continue: opts.continueToken } : {}),
  }));
}
