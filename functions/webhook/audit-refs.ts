// Which audit events become sync jobs, as a pure function over one EventList's items.
// Only committed changes count (ResponseComplete with 2xx); podferry's own writes are skipped so its
// status patches and finalizer removals never come back as work. Besides pods: ConfigMaps and Secrets (a
// dependency job keeps their host copies current), Services and PersistentVolumeClaims (synced to the host
// on their own) and namespace label changes (its pods are synced again).
import type { ObjectRef } from '../_shared/core/job-refs.js';
import { isNamespaceName, isObjectName, isPodName } from './object-names.js';

export interface AuditUser {
  username?: string;
}

export interface AuditEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  user?: AuditUser;
  impersonatedUser?: AuditUser | null;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    uid?: string;
    apiGroup?: string;
    subresource?: string;
  } | null;
  responseStatus?: { code?: number } | null;
  requestObject?: unknown;
  responseObject?: unknown;
}

const VERBS = new Set(['create', 'update', 'patch', 'delete']);

/**
 * Pod subresources that change what the host must run or whether the pod lives:
 * - '' (the pod itself), 'ephemeralcontainers' and 'resize' change the spec;
 * - 'eviction' deletes the pod without a separate pods delete event;
 * - 'status' written by someone else than podferry: a readiness-gate condition the host kubelet must see
 *   (podferry's own status patches are skipped by user, so they never loop).
 * Left out: 'binding' (podferry binds), and read-style ones (log, exec, attach, portforward, proxy) that
 * never change the object.
 */
export const SYNCED_POD_SUBRESOURCES: ReadonlySet<string> = new Set(['', 'status', 'ephemeralcontainers', 'resize', 'eviction']);

function podMeta(obj: unknown): { name?: string; namespace?: string; uid?: string } | undefined {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; uid?: unknown } };
  if (o.kind !== 'Pod' || !o.metadata || typeof o.metadata !== 'object') return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { name: str(o.metadata.name), namespace: str(o.metadata.namespace), uid: str(o.metadata.uid) };
}

/** The user a request acted as: the impersonated one when there was impersonation. */
export function actingUser(event: AuditEvent): string | undefined {
  return event.impersonatedUser?.username ?? event.user?.username;
}

export function podRefFromAuditEvent(event: AuditEvent, cluster: string, ownUsers: ReadonlySet<string>): ObjectRef | undefined {
  const ref = event.objectRef;
  const code = event.responseStatus?.code ?? 0;
  if (event.stage !== 'ResponseComplete' || code < 200 || code > 299) return undefined;
  if (!ref || ref.resource !== 'pods' || (ref.apiGroup ?? '') !== '') return undefined;
  if (!SYNCED_POD_SUBRESOURCES.has(ref.subresource ?? '')) return undefined;
  if (!event.verb || !VERBS.has(event.verb)) return undefined;
  const user = actingUser(event);
  if (user !== undefined && ownUsers.has(user)) return undefined;

  // On a subresource the bodies are an Eviction, a Status...; only the pod itself carries pod metadata.
  const bodies = ref.subresource ? undefined : podMeta(event.responseObject) ?? podMeta(event.requestObject);
  // generateName creates have no name in objectRef; the response body has the generated one.
  const name = ref.name || bodies?.name;
  const namespace = ref.namespace || bodies?.namespace;
  if (!name || !namespace || !isPodName(name) || !isNamespaceName(namespace)) return undefined;
  const out: ObjectRef = { cluster, kind: 'Pod', namespace, name };
  const uid = bodies?.uid ?? ref.uid;
  if (uid) out.uid = uid;
  return out;
}

export function podRefsFromAuditEvents(events: readonly AuditEvent[], cluster: string, ownUsers: ReadonlySet<string>): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const event of events) {
    const ref = podRefFromAuditEvent(event, cluster, ownUsers);
    if (ref) refs.push(ref);
  }
  return refs;
}

/**
 * The kinds synced besides pods, by audit resource: the objects pods depend on, and Services and claims, which
 * are synced on their own; their jobs go to the sync queue with the kind in the ref. Their status subresource
 * is left out: podferry writes it (from the host), nobody else's write there is the truth.
 */
const DEPENDENCY_KINDS: Readonly<Record<string, 'ConfigMap' | 'Secret' | 'Service' | 'PersistentVolumeClaim'>> = {
  configmaps: 'ConfigMap', secrets: 'Secret', services: 'Service', persistentvolumeclaims: 'PersistentVolumeClaim',
};

function committed(event: AuditEvent, ownUsers: ReadonlySet<string>): boolean {
  const code = event.responseStatus?.code ?? 0;
  if (event.stage !== 'ResponseComplete' || code < 200 || code > 299) return false;
  if (!event.verb || !VERBS.has(event.verb)) return false;
  const user = actingUser(event);
  return user === undefined || !ownUsers.has(user);
}

/** A ConfigMap, Secret, Service or claim changed (metadata level: names only), or a namespace updated (its labels may have). */
export function dependencyRefFromAuditEvent(event: AuditEvent, cluster: string, ownUsers: ReadonlySet<string>): ObjectRef | undefined {
  const ref = event.objectRef;
  if (!ref || (ref.apiGroup ?? '') !== '' || ref.subresource) return undefined;
  if (!committed(event, ownUsers)) return undefined;
  const kind = DEPENDENCY_KINDS[ref.resource ?? ''];
  if (kind) {
    if (!ref.name || !ref.namespace || !isNamespaceName(ref.namespace) || !isObjectName(ref.name)) return undefined;
    return { cluster, kind, namespace: ref.namespace, name: ref.name };
  }
  if (ref.resource === 'namespaces' && (event.verb === 'update' || event.verb === 'patch') && ref.name && isNamespaceName(ref.name)) {
    return { cluster, kind: 'Namespace', namespace: ref.name, name: ref.name };
  }
  return undefined;
}

/** Every ref one EventList asks for: pods, then the objects pods depend on, in event order. */
export function refsFromAuditEvents(events: readonly AuditEvent[], cluster: string, ownUsers: ReadonlySet<string>): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const event of events) {
    const ref = podRefFromAuditEvent(event, cluster, ownUsers) ?? dependencyRefFromAuditEvent(event, cluster, ownUsers);
    if (ref) refs.push(ref);
  }
  return refs;
}
