// Before podferry writes, converges or deletes a host object, its provenance must name exactly the virtual
// object being synced. Host names are deterministic but not injective (`a-x-b` in namespace `c` and `a`
// in `b-x-c` both become `a-x-b-x-c-x-<vc>`), and another tenant or the host admin may own the name: a
// collision is reported in virtual terms, never resolved by deleting or overwriting.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { hostObjectName } from './names.js';
import {
  KIND_VALUES, MANAGED_BY_LABEL, OBJECT_HOST_NAMESPACE_ANNOTATION, OBJECT_HOST_NAME_ANNOTATION, OBJECT_KIND_ANNOTATION,
  OBJECT_NAMESPACE_ANNOTATION, OBJECT_NAME_ANNOTATION,
} from './provenance.js';
import type { SyncedKind } from './translate-metadata.js';
import type { ObjectKind, ObjectRef } from './job-refs.js';

export interface OwnerWanted {
  kind: SyncedKind;
  vcluster: string;
  hostNamespace: string;
  /** The virtual object being synced. */
  namespace: string;
  name: string;
}

export type Ownership = { owned: true } | { owned: false; conflict: string };

const KIND_BY_VALUE: Record<string, string> = Object.fromEntries(Object.entries(KIND_VALUES).map(([k, v]) => [v, k]));

/**
 * Whether the host object with this metadata is podferry's copy of exactly `want`. Label and annotations
 * must agree on cluster, kind, virtual namespace and name, and the host name must be their translation.
 * The uid is not part of it: a virtual object deleted and re-created under the same name is the same
 * identity, and the pod plan handles its stale host pod (uid-mismatch) itself.
 */
export function checkOwnership(host: V1ObjectMeta | undefined, want: OwnerWanted): Ownership {
  const what = `${want.kind} ${want.namespace}/${want.name}`;
  const foreign: Ownership = {
    owned: false,
    conflict: `the host name for ${what} is already taken by an object podferry does not manage for this virtual cluster; rename the ${want.kind}, or ask the host cluster's administrator about the name`,
  };
  if (!host) return foreign;
  const a = host.annotations ?? {};
  if (host.labels?.[MANAGED_BY_LABEL] !== want.vcluster || host.namespace !== want.hostNamespace) return foreign;
  const name = a[OBJECT_NAME_ANNOTATION];
  const namespace = a[OBJECT_NAMESPACE_ANNOTATION];
  const kind = a[OBJECT_KIND_ANNOTATION];
  if (!name || namespace === undefined || host.name !== hostObjectName(name, namespace, want.vcluster)) return foreign;
  if (a[OBJECT_HOST_NAME_ANNOTATION] !== undefined && a[OBJECT_HOST_NAME_ANNOTATION] !== host.name) return foreign;
  if (a[OBJECT_HOST_NAMESPACE_ANNOTATION] !== undefined && a[OBJECT_HOST_NAMESPACE_ANNOTATION] !== host.namespace) return foreign;
  const sameKind = kind === undefined ? want.kind === 'Pod' : kind === KIND_VALUES[want.kind];
  if (sameKind && name === want.name && namespace === want.namespace) return { owned: true };
  const other = `${KIND_BY_VALUE[kind ?? ''] ?? 'object'} ${namespace}/${name}`;
  return {
    owned: false,
    conflict: `${what} and ${other} of this virtual cluster translate to the same host name, and ${other} holds it; rename one of them`,
  };
}

/** The virtual object a host object stands for, when its provenance proves it podferry's copy of exactly that object. */
export function ownedVirtualRef(kind: SyncedKind & ObjectKind, host: V1ObjectMeta | undefined, vcluster: string, hostNamespace: string): ObjectRef | undefined {
  const name = host?.annotations?.[OBJECT_NAME_ANNOTATION];
  const namespace = host?.annotations?.[OBJECT_NAMESPACE_ANNOTATION];
  if (!name || !namespace) return undefined;
  if (!checkOwnership(host, { kind, vcluster, hostNamespace, namespace, name }).owned) return undefined;
  return { cluster: vcluster, kind, namespace, name };
}
