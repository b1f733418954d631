import type { V1ObjectMeta, V1Service, V1ServicePort, V1ServiceSpec, V1ServiceStatus } from '@kubernetes/client-node';
import { isReservedKey, isTenantLabelAllowed, type MetadataFilter } from './host-metadata-filter.js';
import { isBeingDeleted, mergeHostMetadata, objectTarget, syncedOwner, type ObjectTarget } from './synced-object.js';
import { checkOwnership } from './ownership.js';
import type { PolicyViolation } from './policy.js';
import {
  MANAGED_BY_LABEL, NAMESPACE_LABEL, OBJECT_UID_ANNOTATION, TRANSLATED_LABEL_KEYS, hostLabelKey, isControlledElsewhere, isRewrittenLabelKey,
} from './provenance.js';
import { hostObjectMeta, type ObjectContext } from './translate-objects.js';
import { semanticEqual } from './translate-status.js';

// A virtual Service becomes a host Service of the same shape in the host namespace (vCluster's services
// syncer): translated name and metadata, the selector translated the way host pod labels are (so it selects
// exactly the host pods of that virtual namespace's pods), ports kept (node ports are the host's). The host
// allocates the ClusterIP, and the virtual Service is made to carry the same one: ClusterIP is immutable, so a
// virtual Service with another address is re-created with the host's (ADR 0008). Status (a load balancer's
// ingress) comes back from the host. Every plan is pure; processors/service.ts applies it.

/** The `kubernetes` Service of `default` is the virtual API server's own, never a host Service (vCluster special-cases it too). */
export function isSyncedService(namespace: string, name: string): boolean {
  return !(namespace === 'default' && name === 'kubernetes');
}

/**
 * On the host Service while podferry re-creates the virtual one: the virtual Service as it was (uid, metadata,
 * spec), so a crash between the delete and the create is repaired by re-creating it, not by deleting the host copy.
 */
export const RECREATE_MARKER_ANNOTATION = 'podferry.dev/recreating-virtual-service';

export type ServiceIpClass = 'headless' | 'external-name' | 'cluster-ip';

/** Which kind of address a Service has; a change between these kinds cannot be an update on the host. */
export function serviceIpClass(spec: V1ServiceSpec | undefined): ServiceIpClass {
  if (spec?.type === 'ExternalName') return 'external-name';
  return spec?.clusterIP === 'None' ? 'headless' : 'cluster-ip';
}

const needsNodePorts = (spec: V1ServiceSpec | undefined) =>
  spec?.type === 'NodePort' || (spec?.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

/** A selector key host pods never carry from the tenant: reserved prefixes, rewritten forms, the host deny list. */
function unreachableSelectorKey(key: string, filter: MetadataFilter | undefined, vcluster: string): boolean {
  if (TRANSLATED_LABEL_KEYS.includes(key)) return false;
  return isRewrittenLabelKey(key, vcluster) || isReservedKey(key) || !isTenantLabelAllowed(key, filter);
}

/** What a Service may not ask of the host; empty when it may be synced. */
export function serviceViolations(virtual: V1Service, ctx: ObjectContext): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const spec = virtual.spec ?? {};
  if ((spec.externalIPs ?? []).length > 0) {
    out.push({
      rule: 'externalIPs', field: 'spec.externalIPs',
      message: 'spec.externalIPs is set: services of this virtual cluster are Services of a shared host cluster, where external IPs would capture traffic to those addresses on every host node (CVE-2020-8554); remove spec.externalIPs and use type LoadBalancer or NodePort',
    });
  }
  for (const key of Object.keys(spec.selector ?? {})) {
    if (!unreachableSelectorKey(key, ctx.metadataFilter, ctx.vcluster)) continue;
    out.push({
      rule: 'selector', field: `spec.selector[${key}]`,
      message: `spec.selector selects on label "${key}", which podferry never copies to host pods (a reserved key or one the host denies): the host Service could not select this Service's pods; select on other labels`,
    });
  }
  return out;
}

/**
 * The host selector: the tenant's keys as host pod labels carry them (the 4 reserved keys rewritten), plus the
 * marker and namespace labels every host pod of that virtual namespace has, so it selects those pods and no
 * other (not another namespace's, not another virtual cluster's, not the host's own). No selector stays none:
 * an empty one would select the whole namespace.
 */
export function hostServiceSelector(selector: Record<string, string> | undefined, virtualNamespace: string, vcluster: string): Record<string, string> | undefined {
  if (!selector || Object.keys(selector).length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(selector)) out[hostLabelKey(k, vcluster)] = v;
  out[MANAGED_BY_LABEL] = vcluster;
  out[NAMESPACE_LABEL] = virtualNamespace;
  return out;
}

// Spec fields copied to the host. The API server defaults the first group, so an unset one is left to the
// host (a host of another version may default more); the second is compared and written as is.
const DEFAULTED_FIELDS = ['type', 'sessionAffinity', 'externalTrafficPolicy', 'internalTrafficPolicy', 'allocateLoadBalancerNodePorts'] as const;
const PLAIN_FIELDS = ['externalName', 'loadBalancerSourceRanges', 'loadBalancerClass', 'loadBalancerIP', 'publishNotReadyAddresses', 'trafficDistribution', 'sessionAffinityConfig'] as const;

/** Empty, false and absent are the same value for comparison. */
function norm(v: unknown): unknown {
  if (v === undefined || v === null || v === false || v === '') return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v;
  if (typeof v === 'object' && Object.keys(v as object).length === 0) return undefined;
  return v;
}

const portKey = (p: V1ServicePort) => `${p.port}/${p.protocol || 'TCP'}`;

/** A port as the host gets it: everything but the node port, which the host allocates. */
function hostPort(p: V1ServicePort): V1ServicePort {
  const out: V1ServicePort = { ...p };
  delete out.nodePort;
  return out;
}

const comparablePorts = (ports: V1ServicePort[] | undefined) =>
  norm((ports ?? []).map((p) => ({ name: p.name || undefined, protocol: p.protocol || 'TCP', port: p.port, targetPort: p.targetPort ?? p.port, appProtocol: p.appProtocol || undefined })));

/** The host Service for a virtual Service (no address: the host allocates one, unless headless). */
export function translateService(virtual: V1Service, ctx: ObjectContext): V1Service {
  const v = virtual.spec ?? {};
  const spec: V1ServiceSpec = {};
  const out = spec as Record<string, unknown>;
  for (const f of DEFAULTED_FIELDS) if (v[f] !== undefined) out[f] = structuredClone(v[f]);
  for (const f of PLAIN_FIELDS) if (norm(v[f]) !== undefined) out[f] = structuredClone(v[f]);
  if (v.ports) spec.ports = v.ports.map(hostPort);
  const selector = hostServiceSelector(v.selector, virtual.metadata?.namespace ?? '', ctx.vcluster);
  if (selector) spec.selector = selector;
  if (v.clusterIP === 'None') spec.clusterIP = 'None';
  return { apiVersion: 'v1', kind: 'Service', metadata: hostObjectMeta(virtual, 'Service', ctx), spec };
}

/** The spec fields where the host Service differs from the desired one (node ports and addresses aside). */
export function serviceSpecDrift(desired: V1ServiceSpec | undefined, host: V1ServiceSpec | undefined): string[] {
  const d = (desired ?? {}) as Record<string, unknown>;
  const h = (host ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  for (const f of DEFAULTED_FIELDS) if (d[f] !== undefined && !semanticEqual(d[f], h[f])) out.push(`spec.${f}`);
  for (const f of PLAIN_FIELDS) if (!semanticEqual(norm(d[f]), norm(h[f]))) out.push(`spec.${f}`);
  if (!semanticEqual(norm(d.selector), norm(h.selector))) out.push('spec.selector');
  if (!semanticEqual(comparablePorts(desired?.ports), comparablePorts(host?.ports))) out.push('spec.ports');
  return out;
}

/**
 * The replace body that brings the host Service to the desired one: the host object as it is (its addresses,
 * its node ports for ports that stay, finalizers, host-added metadata) with the desired fields written over.
 */
function replaceBody(host: V1Service, desired: V1Service, meta: { labels: Record<string, string>; annotations: Record<string, string> }): V1Service {
  const body = structuredClone(host);
  delete body.status;
  body.metadata = { ...body.metadata, labels: meta.labels, annotations: meta.annotations };
  delete body.metadata.managedFields;
  const spec = (body.spec ??= {}) as Record<string, unknown>;
  const d = (desired.spec ?? {}) as Record<string, unknown>;
  for (const f of DEFAULTED_FIELDS) if (d[f] !== undefined) spec[f] = structuredClone(d[f]);
  for (const f of [...PLAIN_FIELDS, 'selector'] as const) {
    if (norm(d[f]) === undefined) delete spec[f];
    else spec[f] = structuredClone(d[f]);
  }
  const hostNodePorts = new Map((host.spec?.ports ?? []).map((p) => [portKey(p), p.nodePort]));
  const keepNodePorts = needsNodePorts(body.spec);
  body.spec!.ports = (desired.spec?.ports ?? []).map((p) => {
    const nodePort = keepNodePorts ? hostNodePorts.get(portKey(p)) : undefined;
    return nodePort ? { ...p, nodePort } : { ...p };
  });
  if (body.spec!.type !== 'LoadBalancer' || body.spec!.externalTrafficPolicy !== 'Local') delete body.spec!.healthCheckNodePort;
  return body;
}

/** The virtual ports with the host's node ports (matched by port and protocol); undefined when they agree. */
export function portsWithHostNodePorts(virtual: V1ServiceSpec | undefined, host: V1ServiceSpec | undefined): V1ServicePort[] | undefined {
  if (!needsNodePorts(virtual) || !needsNodePorts(host)) return undefined;
  const hostNodePorts = new Map((host?.ports ?? []).map((p) => [portKey(p), p.nodePort]));
  let changed = false;
  const ports = (virtual?.ports ?? []).map((p) => {
    const nodePort = hostNodePorts.get(portKey(p));
    if (!nodePort || nodePort === p.nodePort) return p;
    changed = true;
    return { ...p, nodePort };
  });
  return changed ? ports : undefined;
}

/**
 * The virtual Service made again from `source` (the virtual Service, or the copy in the recreate marker) with
 * the host's address and node ports; server-set metadata left behind, the address family left to the virtual
 * API server.
 */
export function recreatedVirtualService(source: { metadata?: V1ObjectMeta; spec?: V1ServiceSpec }, host: V1Service): V1Service {
  const m = source.metadata ?? {};
  const metadata: V1ObjectMeta = { name: m.name, namespace: m.namespace };
  if (m.labels) metadata.labels = { ...m.labels };
  if (m.annotations) metadata.annotations = { ...m.annotations };
  if (m.ownerReferences) metadata.ownerReferences = structuredClone(m.ownerReferences);
  const spec: V1ServiceSpec = structuredClone(source.spec ?? {});
  delete spec.ipFamilies;
  delete spec.ipFamilyPolicy;
  const ip = host.spec?.clusterIP;
  if (ip) {
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }
  const ports = portsWithHostNodePorts(spec, host.spec);
  if (ports) spec.ports = ports;
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

export function recreateMarker(virtual: V1Service): string {
  const m = virtual.metadata ?? {};
  return JSON.stringify({
    uid: m.uid,
    object: { metadata: { name: m.name, namespace: m.namespace, labels: m.labels, annotations: m.annotations, ownerReferences: m.ownerReferences }, spec: virtual.spec },
  });
}

export function parseRecreateMarker(text: string | undefined): { uid: string; object: { metadata?: V1ObjectMeta; spec?: V1ServiceSpec } } | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { uid?: unknown; object?: { metadata?: V1ObjectMeta; spec?: V1ServiceSpec } };
    if (typeof parsed.uid !== 'string' || !parsed.object || typeof parsed.object !== 'object') return undefined;
    return { uid: parsed.uid, object: parsed.object };
  } catch {
    return undefined;
  }
}

const statusKey = (s: V1ServiceStatus | undefined) => ({ ingress: norm(s?.loadBalancer?.ingress), conditions: norm(s?.conditions) });

type Target = ObjectTarget;

export type ServiceNothingReason = 'not-synced' | 'in-sync' | 'both-gone' | 'not-ours' | 'controlled-elsewhere' | 'waiting-for-host-delete';

export type ServiceSyncPlan =
  | { type: 'nothing'; reason: ServiceNothingReason }
  | { type: 'refuse'; reason: string; violations: PolicyViolation[] }
  | { type: 'conflict'; message: string }
  | { type: 'create-host'; service: V1Service }
  | { type: 'replace-host'; service: V1Service; changes: string[] }
  /** The address kind changed (headless, ExternalName, ClusterIP): the host Service goes, and is made again. */
  | { type: 'recreate-host'; host: Target; reason: string }
  | { type: 'delete-host'; host: Target; reason: 'virtual-gone' | 'virtual-deleting' }
  | { type: 'recreate-virtual'; virtual: Target; service: V1Service; marker: string; clusterIP: string }
  | { type: 'restore-virtual'; service: V1Service }
  | { type: 'update-virtual'; service: V1Service; changes: string[] }
  | { type: 'report-status'; virtual: Target; status: V1ServiceStatus };

export interface ServiceSyncInput {
  virtual?: V1Service;
  host?: V1Service;
  /** The virtual Service the job is about. */
  ref: { namespace: string; name: string };
  ctx: ObjectContext;
}



/** The one next step for a virtual Service and its host copy; `nothing` once both agree. */
export function planServiceSync(input: ServiceSyncInput): ServiceSyncPlan {
  const { virtual, host, ref, ctx } = input;
  if (!isSyncedService(ref.namespace, ref.name)) return { type: 'nothing', reason: 'not-synced' };
  if (isControlledElsewhere(virtual?.metadata) || isControlledElsewhere(host?.metadata)) return { type: 'nothing', reason: 'controlled-elsewhere' };
  const ownership = host ? checkOwnership(host.metadata, syncedOwner('Service', ref, ctx)) : undefined;
  if (!virtual) {
    if (!host) return { type: 'nothing', reason: 'both-gone' };
    if (!ownership!.owned) return { type: 'nothing', reason: 'not-ours' };
    const marker = parseRecreateMarker(host.metadata?.annotations?.[RECREATE_MARKER_ANNOTATION]);
    if (marker && marker.uid === host.metadata?.annotations?.[OBJECT_UID_ANNOTATION]) return { type: 'restore-virtual', service: recreatedVirtualService(marker.object, host) };
    if (isBeingDeleted(host)) return { type: 'nothing', reason: 'waiting-for-host-delete' };
    return { type: 'delete-host', host: objectTarget(host), reason: 'virtual-gone' };
  }
  if (isBeingDeleted(virtual)) {
    if (host && ownership!.owned && !isBeingDeleted(host)) return { type: 'delete-host', host: objectTarget(host), reason: 'virtual-deleting' };
    return { type: 'nothing', reason: 'waiting-for-host-delete' };
  }
  const violations = serviceViolations(virtual, ctx);
  if (violations.length > 0) return { type: 'refuse', reason: violations.map((v) => v.message).join('; '), violations };
  const desired = translateService(virtual, ctx);
  if (!host) return { type: 'create-host', service: desired };
  if (!ownership!.owned) return { type: 'conflict', message: ownership!.conflict };
  if (isBeingDeleted(host)) return { type: 'nothing', reason: 'waiting-for-host-delete' };
  const hostClass = serviceIpClass(host.spec);
  const desiredClass = serviceIpClass(desired.spec);
  if (hostClass !== desiredClass) return { type: 'recreate-host', host: objectTarget(host), reason: `the Service changed from ${hostClass} to ${desiredClass}` };
  const meta = mergeHostMetadata(desired.metadata ?? {}, host.metadata);
  const changes = [...(meta.changed ? ['metadata'] : []), ...serviceSpecDrift(desired.spec, host.spec)];
  if (changes.length > 0) return { type: 'replace-host', service: replaceBody(host, desired, meta), changes };

  // The host Service is current: now the virtual one follows it.
  const hostIP = host.spec?.clusterIP;
  if (hostClass === 'cluster-ip' && hostIP && virtual.spec?.clusterIP !== hostIP) {
    return { type: 'recreate-virtual', virtual: objectTarget(virtual), service: recreatedVirtualService(virtual, host), marker: recreateMarker(virtual), clusterIP: hostIP };
  }
  const ports = portsWithHostNodePorts(virtual.spec, host.spec);
  if (ports) {
    const service = structuredClone(virtual);
    service.spec!.ports = ports;
    delete service.status;
    return { type: 'update-virtual', service, changes: ['spec.ports[*].nodePort'] };
  }
  if (!semanticEqual(statusKey(virtual.status), statusKey(host.status))) return { type: 'report-status', virtual: objectTarget(virtual), status: structuredClone(host.status ?? {}) };
  return { type: 'nothing', reason: 'in-sync' };
}
