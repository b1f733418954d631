import type { V1PersistentVolumeClaim, V1PersistentVolumeClaimSpec, V1PersistentVolumeClaimStatus } from '@kubernetes/client-node';
import { isBeingDeleted, mergeHostMetadata, objectTarget, syncedOwner, type ObjectTarget } from './synced-object.js';
import { hostObjectName, isDns1123Subdomain } from './names.js';
import { checkOwnership } from './ownership.js';
import { claimDataSourceKind } from './pod-references.js';
import type { PolicyViolation } from './policy.js';
import { isControlledElsewhere } from './provenance.js';
import { claimSpecViolations } from './reference-policy.js';
import { hostObjectMeta, type ObjectContext } from './translate-objects.js';
import { semanticEqual } from './translate-status.js';

// A virtual PersistentVolumeClaim becomes a host claim under its translated name (vCluster's
// persistentvolumeclaims syncer): the same request, its storage class mapped (STORAGE_CLASS_MAP), data
// sources in its own namespace translated, binding to a host volume by name or label refused (the
// `references` rule, as for ephemeral volumes). The host provisions and binds it; its status comes back to the
// virtual claim. Deletion follows the claim's lifecycle: a virtual claim being deleted deletes the host one (the
// host's pvc-protection keeps it while a host pod uses it), a host claim deleted on the host takes the virtual
// one along once it had been bound (its data is gone), and one that never bound is simply made again.

export type StorageClassMap = Readonly<Record<string, string>>;

/** The old annotation form of spec.storageClassName, still honoured by the PV controller. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** `virtualclass=hostclass,...`; throws an Error naming the bad entry. */
export function parseStorageClassMap(text: string | undefined): StorageClassMap {
  const out: Record<string, string> = {};
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const [from, to, extra] = entry.split('=').map((s) => s.trim());
    if (extra !== undefined || !from || !to || !isDns1123Subdomain(from) || !isDns1123Subdomain(to)) {
      throw new Error(`STORAGE_CLASS_MAP entry ${JSON.stringify(entry)} is invalid: expected virtualclass=hostclass, both storage class names (DNS subdomains)`);
    }
    if (out[from] !== undefined && out[from] !== to) throw new Error(`STORAGE_CLASS_MAP maps ${from} twice`);
    out[from] = to;
  }
  return Object.freeze(out);
}

export type ClaimContext = ObjectContext & { storageClasses?: StorageClassMap };

/**
 * The host claim's class: the virtual one mapped (kept when the map does not name it); none stays none (the
 * host's default class), "" stays "" (static binding only).
 */
export function hostStorageClassName(virtual: V1PersistentVolumeClaim, map: StorageClassMap | undefined): string | undefined {
  const name = virtual.spec?.storageClassName ?? virtual.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (name === undefined || name === '') return name;
  return map?.[name] ?? name;
}

export function claimViolations(virtual: V1PersistentVolumeClaim): PolicyViolation[] {
  return claimSpecViolations(virtual.spec, 'spec', `claim "${virtual.metadata?.name ?? ''}"`);
}

/** The host claim for a virtual claim (the caller has checked claimViolations). */
export function translateClaim(virtual: V1PersistentVolumeClaim, ctx: ClaimContext): V1PersistentVolumeClaim {
  const v = virtual.spec ?? {};
  const namespace = virtual.metadata?.namespace ?? '';
  const spec: V1PersistentVolumeClaimSpec = {};
  if (v.accessModes) spec.accessModes = [...v.accessModes];
  if (v.resources) spec.resources = structuredClone(v.resources);
  if (v.volumeMode) spec.volumeMode = v.volumeMode;
  if (v.volumeAttributesClassName) spec.volumeAttributesClassName = v.volumeAttributesClassName;
  const storageClassName = hostStorageClassName(virtual, ctx.storageClasses);
  if (storageClassName !== undefined) spec.storageClassName = storageClassName;
  // A clone or restore source in the claim's own namespace: its host name (sources elsewhere are refused).
  for (const key of ['dataSource', 'dataSourceRef'] as const) {
    const source = v[key];
    if (!source) continue;
    const copy = { ...source };
    if (claimDataSourceKind(source) && source.name) copy.name = hostObjectName(source.name, namespace, ctx.vcluster);
    spec[key] = copy;
  }
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: hostObjectMeta(virtual, 'PersistentVolumeClaim', ctx), spec };
}

type Target = ObjectTarget;

export type ClaimNothingReason = 'in-sync' | 'both-gone' | 'not-ours' | 'controlled-elsewhere' | 'waiting-for-host-delete';

export type ClaimSyncPlan =
  | { type: 'nothing'; reason: ClaimNothingReason }
  | { type: 'refuse'; reason: string; violations: PolicyViolation[] }
  | { type: 'conflict'; message: string }
  | { type: 'create-host'; claim: V1PersistentVolumeClaim }
  | { type: 'replace-host'; claim: V1PersistentVolumeClaim; changes: string[] }
  | { type: 'delete-host'; host: Target; reason: 'virtual-gone' | 'virtual-deleting' }
  | { type: 'delete-virtual'; virtual: Target; reason: string }
  | { type: 'report-status'; virtual: Target; status: V1PersistentVolumeClaimStatus };

export interface ClaimSyncInput {
  virtual?: V1PersistentVolumeClaim;
  host?: V1PersistentVolumeClaim;
  ref: { namespace: string; name: string };
  ctx: ClaimContext;
}


/** The status a host claim reports, compared and copied whole (phase, capacity, access modes, conditions...). */
const statusKey = (s: V1PersistentVolumeClaimStatus | undefined) => Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== undefined && v !== null));


/** The one next step for a virtual claim and its host claim; `nothing` once both agree. */
export function planClaimSync(input: ClaimSyncInput): ClaimSyncPlan {
  const { virtual, host, ref, ctx } = input;
  if (isControlledElsewhere(virtual?.metadata) || isControlledElsewhere(host?.metadata)) return { type: 'nothing', reason: 'controlled-elsewhere' };
  const ownership = host ? checkOwnership(host.metadata, syncedOwner('PersistentVolumeClaim', ref, ctx)) : undefined;
  if (!virtual) {
    if (!host) return { type: 'nothing', reason: 'both-gone' };
    if (!ownership!.owned) return { type: 'nothing', reason: 'not-ours' };
    if (isBeingDeleted(host)) return { type: 'nothing', reason: 'waiting-for-host-delete' };
    return { type: 'delete-host', host: objectTarget(host), reason: 'virtual-gone' };
  }
  if (isBeingDeleted(virtual)) {
    if (host && ownership!.owned && !isBeingDeleted(host)) return { type: 'delete-host', host: objectTarget(host), reason: 'virtual-deleting' };
    return { type: 'nothing', reason: 'waiting-for-host-delete' };
  }
  if (!host) {
    // A claim that was bound had its volume on the host: that is gone with the host claim, and a new empty one
    // under the same name would pass for it. The virtual claim goes too (vCluster deletes it as well).
    const phase = virtual.status?.phase;
    if (phase === 'Bound' || phase === 'Lost') return { type: 'delete-virtual', virtual: objectTarget(virtual), reason: 'its host claim was deleted on the host after it was bound, and its volume with it' };
  }
  // spec.volumeName naming the volume the host bound this claim to is podferry's own write (fake-volume.ts),
  // not a tenant binding a host volume by name: only that exact value passes (and is never sent to the host).
  const mirrorsHostBinding = ownership?.owned === true && !!host?.spec?.volumeName && virtual.spec?.volumeName === host.spec.volumeName;
  const violations = claimViolations(mirrorsHostBinding ? { ...virtual, spec: { ...virtual.spec, volumeName: undefined } } : virtual);
  if (violations.length > 0) return { type: 'refuse', reason: violations.map((v) => v.message).join('; '), violations };
  const desired = translateClaim(virtual, ctx);
  if (!host) return { type: 'create-host', claim: desired };
  if (!ownership!.owned) return { type: 'conflict', message: ownership!.conflict };
  if (isBeingDeleted(host)) return { type: 'delete-virtual', virtual: objectTarget(virtual), reason: 'its host claim is being deleted on the host' };
  const meta = mergeHostMetadata(desired.metadata ?? {}, host.metadata);
  const resize = !semanticEqual(desired.spec?.resources?.requests, host.spec?.resources?.requests);
  if (meta.changed || resize) {
    const claim = structuredClone(host);
    delete claim.status;
    delete claim.metadata!.managedFields;
    claim.metadata = { ...claim.metadata, labels: meta.labels, annotations: meta.annotations };
    // Only the request may change on a claim (an expansion; the host refuses to shrink one).
    if (resize) claim.spec = { ...claim.spec, resources: { ...claim.spec?.resources, requests: structuredClone(desired.spec?.resources?.requests) } };
    return { type: 'replace-host', claim, changes: [...(meta.changed ? ['metadata'] : []), ...(resize ? ['spec.resources.requests'] : [])] };
  }
  if (!semanticEqual(statusKey(virtual.status), statusKey(host.status))) return { type: 'report-status', virtual: objectTarget(virtual), status: structuredClone(host.status ?? {}) };
  return { type: 'nothing', reason: 'in-sync' };
}
