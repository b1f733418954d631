import type { V1Container, V1EphemeralContainer, V1ObjectFieldSelector, V1Pod, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import { hostObjectName } from './names.js';
import { DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE, translateServiceAccountToken, type ServiceAccountTokenMode } from './service-account-token.js';
import {
  POD_LABELS_ANNOTATION, POD_NAME_ANNOTATION, POD_NAMESPACE_ANNOTATION, POD_UID_ANNOTATION,
  SERVICE_ACCOUNT_NAME_ANNOTATION, hostLabelKey,
} from './provenance.js';

// Every place a pod names a namespaced object, walked once: rewriting to host names and listing
// dependencies must agree, so both use the same visitor. A name that reached the host untranslated would
// reach whatever host object bears it (another tenant's claim, a host secret provider), so every
// reference is translated here, or refused by reference-policy.ts where no translation is safe.

export type RefKind =
  | 'configMap' | 'secret' | 'persistentVolumeClaim' | 'volumeSnapshot' | 'resourceClaim' | 'resourceClaimTemplate'
  | 'secretProviderClass' | 'endpoints';
/** `optional` is true where the reference says so: the pod starts without that object. */
type Visit = (kind: RefKind, name: string, optional?: boolean) => string;

/** Data sources of an ephemeral claim that name an object in the pod's namespace, by (apiGroup, kind). */
export const CLAIM_DATA_SOURCE_KINDS: Readonly<Record<string, RefKind>> = Object.freeze({
  '/PersistentVolumeClaim': 'persistentVolumeClaim',
  'snapshot.storage.k8s.io/VolumeSnapshot': 'volumeSnapshot',
});

export function claimDataSourceKind(ref: { apiGroup?: string; kind?: string } | undefined): RefKind | undefined {
  return ref ? CLAIM_DATA_SOURCE_KINDS[`${ref.apiGroup ?? ''}/${ref.kind ?? ''}`] : undefined;
}

/** The CSI volume attribute the Secrets Store driver reads a SecretProviderClass name from (same namespace). */
export const SECRET_PROVIDER_CLASS_ATTRIBUTE = 'secretProviderClass';

const SECRET_REF_VOLUMES = ['iscsi', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'scaleIO', 'storageos'] as const;

function visitVolume(volume: V1Volume, visit: Visit): void {
  if (volume.configMap?.name) volume.configMap.name = visit('configMap', volume.configMap.name, volume.configMap.optional);
  if (volume.secret?.secretName) volume.secret.secretName = visit('secret', volume.secret.secretName, volume.secret.optional);
  for (const source of volume.projected?.sources ?? []) {
    if (source.configMap?.name) source.configMap.name = visit('configMap', source.configMap.name, source.configMap.optional);
    if (source.secret?.name) source.secret.name = visit('secret', source.secret.name, source.secret.optional);
  }
  for (const key of SECRET_REF_VOLUMES) {
    const ref = (volume[key] as { secretRef?: { name?: string } } | undefined)?.secretRef;
    if (ref?.name) ref.name = visit('secret', ref.name);
  }
  if (volume.azureFile?.secretName) volume.azureFile.secretName = visit('secret', volume.azureFile.secretName);
  const csiRef = volume.csi?.nodePublishSecretRef;
  if (csiRef?.name) csiRef.name = visit('secret', csiRef.name);
  const attributes = volume.csi?.volumeAttributes;
  if (attributes?.[SECRET_PROVIDER_CLASS_ATTRIBUTE]) attributes[SECRET_PROVIDER_CLASS_ATTRIBUTE] = visit('secretProviderClass', attributes[SECRET_PROVIDER_CLASS_ATTRIBUTE]);
  if (volume.glusterfs?.endpoints) volume.glusterfs.endpoints = visit('endpoints', volume.glusterfs.endpoints);
  if (volume.persistentVolumeClaim?.claimName) volume.persistentVolumeClaim.claimName = visit('persistentVolumeClaim', volume.persistentVolumeClaim.claimName);
  const claim = volume.ephemeral?.volumeClaimTemplate?.spec;
  for (const source of [claim?.dataSource, claim?.dataSourceRef]) {
    const kind = claimDataSourceKind(source);
    if (source?.name && kind) source.name = visit(kind, source.name);
  }
}

function visitContainer(container: V1Container | V1EphemeralContainer, visit: Visit): void {
  for (const env of container.env ?? []) {
    const cm = env.valueFrom?.configMapKeyRef;
    if (cm?.name) cm.name = visit('configMap', cm.name, cm.optional);
    const secret = env.valueFrom?.secretKeyRef;
    if (secret?.name) secret.name = visit('secret', secret.name, secret.optional);
  }
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name) from.configMapRef.name = visit('configMap', from.configMapRef.name, from.configMapRef.optional);
    if (from.secretRef?.name) from.secretRef.name = visit('secret', from.secretRef.name, from.secretRef.optional);
  }
}

function visitSpec(spec: V1PodSpec, visit: Visit): void {
  for (const volume of spec.volumes ?? []) visitVolume(volume, visit);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])]) visitContainer(c, visit);
  for (const ref of spec.imagePullSecrets ?? []) if (ref.name) ref.name = visit('secret', ref.name);
  for (const claim of spec.resourceClaims ?? []) {
    if (claim.resourceClaimName) claim.resourceClaimName = visit('resourceClaim', claim.resourceClaimName);
    if (claim.resourceClaimTemplateName) claim.resourceClaimTemplateName = visit('resourceClaimTemplate', claim.resourceClaimTemplateName);
  }
}

/** Rewrites, in place, every name of a namespaced object in the spec to its host name. */
export function rewriteReferences(spec: V1PodSpec, virtualNamespace: string, vcluster: string): void {
  visitSpec(spec, (_kind, name) => hostObjectName(name, virtualNamespace, vcluster));
}

/**
 * The virtual configmaps and secrets (names in the pod's namespace, sorted, unique) that must exist in
 * the host namespace before the host pod can start: those the host pod references (kube-root-ca.crt of the
 * kube-api-access volume included, unless the token mode is 'remove', which drops that volume). Optional references
 * are listed too: copying an object that exists is harmless, and the adapter skips one that does not.
 */
export function podDependencies(virtualPod: V1Pod, ctx: { serviceAccountTokens?: ServiceAccountTokenMode } = {}): { configMaps: string[]; secrets: string[] } {
  const found = { configMap: new Set<string>(), secret: new Set<string>() };
  const refs = podReferences(virtualPod, ctx);
  for (const r of refs) if (r.kind === 'configMap' || r.kind === 'secret') found[r.kind].add(r.name);
  return { configMaps: [...found.configMap].sort(), secrets: [...found.secret].sort() };
}

/**
 * Every namespaced object the host pod will name, by kind (virtual names, in visit order, unique).
 * `required` is false when every reference to it is marked optional: the pod starts without it.
 */
export function podReferences(virtualPod: V1Pod, ctx: { serviceAccountTokens?: ServiceAccountTokenMode } = {}): Array<{ kind: RefKind; name: string; required: boolean }> {
  const seen = new Map<string, { kind: RefKind; name: string; required: boolean }>();
  const out: Array<{ kind: RefKind; name: string; required: boolean }> = [];
  if (virtualPod.spec) {
    const spec = structuredClone(virtualPod.spec);
    // In secret mode the token secret is not a virtual object (the adapter builds it from TokenRequests),
    // and serviceAccountToken sources are not secret references, so only 'remove' changes the answer.
    if ((ctx.serviceAccountTokens ?? DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE) === 'remove') translateServiceAccountToken(spec, virtualPod, '', 'remove');
    visitSpec(spec, (kind, name, optional) => {
      const known = seen.get(`${kind}/${name}`);
      if (known) known.required ||= optional !== true;
      else {
        const ref = { kind, name, required: optional !== true };
        seen.set(`${kind}/${name}`, ref);
        out.push(ref);
      }
      return name;
    });
  }
  return out;
}

const LABEL_FIELD = /^metadata\.labels\['(.+)'\]$/;

/** The downward API fieldRef rewrite: virtual identity fields point at the annotations that hold them. */
export function hostFieldPath(fieldPath: string, vcluster: string): string {
  switch (fieldPath) {
    case 'metadata.name': return `metadata.annotations['${POD_NAME_ANNOTATION}']`;
    case 'metadata.namespace': return `metadata.annotations['${POD_NAMESPACE_ANNOTATION}']`;
    case 'metadata.uid': return `metadata.annotations['${POD_UID_ANNOTATION}']`;
    case 'metadata.labels': return `metadata.annotations['${POD_LABELS_ANNOTATION}']`;
    case 'spec.serviceAccountName': return `metadata.annotations['${SERVICE_ACCOUNT_NAME_ANNOTATION}']`;
  }
  const label = LABEL_FIELD.exec(fieldPath);
  return label ? `metadata.labels['${hostLabelKey(label[1], vcluster)}']` : fieldPath;
}

/** Rewrites, in place, every downward API fieldRef in env and volumes. */
export function rewriteFieldRefs(spec: V1PodSpec, vcluster: string): void {
  const fix = (ref: V1ObjectFieldSelector | undefined) => { if (ref) ref.fieldPath = hostFieldPath(ref.fieldPath, vcluster); };
  for (const c of [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])]) {
    for (const env of c.env ?? []) fix(env.valueFrom?.fieldRef);
  }
  for (const volume of spec.volumes ?? []) {
    for (const item of volume.downwardAPI?.items ?? []) fix(item.fieldRef);
    for (const source of volume.projected?.sources ?? []) for (const item of source.downwardAPI?.items ?? []) fix(item.fieldRef);
  }
}

/** Every configmap and secret name a spec references, as written (in a host pod's spec: host names). */
export function referencedNames(spec: V1PodSpec | undefined): { configMaps: Set<string>; secrets: Set<string> } {
  const found = { configMap: new Set<string>(), secret: new Set<string>() };
  if (spec) visitSpec(structuredClone(spec), (kind, name) => { if (kind === 'configMap' || kind === 'secret') found[kind].add(name); return name; });
  return { configMaps: found.configMap, secrets: found.secret };
}
