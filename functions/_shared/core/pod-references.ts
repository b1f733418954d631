import type { V1Container, V1EphemeralContainer, V1ObjectFieldSelector, V1Pod, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import { hostObjectName } from './names.js';
import { translateServiceAccountToken, type ServiceAccountTokenMode } from './service-account-token.js';
import {
  POD_LABELS_ANNOTATION, POD_NAME_ANNOTATION, POD_NAMESPACE_ANNOTATION, POD_UID_ANNOTATION,
  SERVICE_ACCOUNT_NAME_ANNOTATION, hostLabelKey,
} from './provenance.js';

// Every place a pod names a configmap or secret, walked once: rewriting to host names and listing
// dependencies must agree, so both use the same visitor.

type RefKind = 'configMap' | 'secret';
type Visit = (kind: RefKind, name: string) => string;

const SECRET_REF_VOLUMES = ['iscsi', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'scaleIO', 'storageos'] as const;

function visitVolume(volume: V1Volume, visit: Visit): void {
  if (volume.configMap?.name) volume.configMap.name = visit('configMap', volume.configMap.name);
  if (volume.secret?.secretName) volume.secret.secretName = visit('secret', volume.secret.secretName);
  for (const source of volume.projected?.sources ?? []) {
    if (source.configMap?.name) source.configMap.name = visit('configMap', source.configMap.name);
    if (source.secret?.name) source.secret.name = visit('secret', source.secret.name);
  }
  for (const key of SECRET_REF_VOLUMES) {
    const ref = (volume[key] as { secretRef?: { name?: string } } | undefined)?.secretRef;
    if (ref?.name) ref.name = visit('secret', ref.name);
  }
  if (volume.azureFile?.secretName) volume.azureFile.secretName = visit('secret', volume.azureFile.secretName);
  const csiRef = volume.csi?.nodePublishSecretRef;
  if (csiRef?.name) csiRef.name = visit('secret', csiRef.name);
}

function visitContainer(container: V1Container | V1EphemeralContainer, visit: Visit): void {
  for (const env of container.env ?? []) {
    const cm = env.valueFrom?.configMapKeyRef;
    if (cm?.name) cm.name = visit('configMap', cm.name);
    const secret = env.valueFrom?.secretKeyRef;
    if (secret?.name) secret.name = visit('secret', secret.name);
  }
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name) from.configMapRef.name = visit('configMap', from.configMapRef.name);
    if (from.secretRef?.name) from.secretRef.name = visit('secret', from.secretRef.name);
  }
}

function visitSpec(spec: V1PodSpec, visit: Visit): void {
  for (const volume of spec.volumes ?? []) visitVolume(volume, visit);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])]) visitContainer(c, visit);
  for (const ref of spec.imagePullSecrets ?? []) if (ref.name) ref.name = visit('secret', ref.name);
}

/** Rewrites, in place, every configmap and secret name in the spec to its host name. */
export function rewriteReferences(spec: V1PodSpec, virtualNamespace: string, vcluster: string): void {
  visitSpec(spec, (_kind, name) => hostObjectName(name, virtualNamespace, vcluster));
}

/**
 * The virtual configmaps and secrets (names in the pod's namespace, sorted, unique) that must exist in
 * the host namespace before the host pod can start: those the host pod references, so with the default
 * token mode the removed kube-api-access volume's kube-root-ca.crt is not listed. Optional references
 * are listed too: copying an object that exists is harmless, and the adapter skips one that does not.
 */
export function podDependencies(virtualPod: V1Pod, ctx: { serviceAccountTokens?: ServiceAccountTokenMode } = {}): { configMaps: string[]; secrets: string[] } {
  const found = { configMap: new Set<string>(), secret: new Set<string>() };
  if (virtualPod.spec) {
    const spec = structuredClone(virtualPod.spec);
    // In secret mode the token secret is not a virtual object (the adapter builds it from TokenRequests),
    // and serviceAccountToken sources are not secret references, so only 'remove' changes the answer.
    if ((ctx.serviceAccountTokens ?? 'remove') === 'remove') translateServiceAccountToken(spec, virtualPod, '', 'remove');
    visitSpec(spec, (kind, name) => (found[kind].add(name), name));
  }
  return { configMaps: [...found.configMap].sort(), secrets: [...found.secret].sort() };
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
  if (spec) visitSpec(structuredClone(spec), (kind, name) => (found[kind].add(name), name));
  return { configMaps: found.configMap, secrets: found.secret };
}
