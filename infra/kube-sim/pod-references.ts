// Which ConfigMaps and Secrets a pod needs before its containers can start, and how the kubelet reports each
// missing one: a volume that cannot be set up keeps the pod ContainerCreating with FailedMount events
// (pkg/kubelet/volumemanager), a missing env source fails container creation with CreateContainerConfigError
// (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables).
import type { KubeObject } from './types.js';

export type RefKind = 'configmap' | 'secret';

export interface PodReference {
  kind: RefKind;
  name: string;
  /** Set for volumes: the pod volume that needs the object. */
  volume?: string;
  /** Set for env valueFrom: the key that must exist. */
  key?: string;
  container?: string;
}

type Src = { name?: string; secretName?: string; optional?: boolean; key?: string };
type Container = {
  name: string;
  env?: Array<{ valueFrom?: { configMapKeyRef?: Src; secretKeyRef?: Src } }>;
  envFrom?: Array<{ configMapRef?: Src; secretRef?: Src }>;
};
type Volume = {
  name: string;
  configMap?: Src;
  secret?: Src;
  projected?: { sources?: Array<{ configMap?: Src; secret?: Src }> };
};

/** Non-optional references only: an optional source that is missing never blocks a pod. */
export function podReferences(pod: KubeObject): PodReference[] {
  const spec = (pod.spec ?? {}) as { volumes?: Volume[]; containers?: Container[]; initContainers?: Container[] };
  const refs: PodReference[] = [];
  for (const v of spec.volumes ?? []) {
    if (v.configMap?.name && !v.configMap.optional) refs.push({ kind: 'configmap', name: v.configMap.name, volume: v.name });
    if (v.secret?.secretName && !v.secret.optional) refs.push({ kind: 'secret', name: v.secret.secretName, volume: v.name });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name && !s.configMap.optional) refs.push({ kind: 'configmap', name: s.configMap.name, volume: v.name });
      if (s.secret?.name && !s.secret.optional) refs.push({ kind: 'secret', name: s.secret.name, volume: v.name });
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      const sec = e.valueFrom?.secretKeyRef;
      if (cm?.name && !cm.optional) refs.push({ kind: 'configmap', name: cm.name, key: cm.key, container: c.name });
      if (sec?.name && !sec.optional) refs.push({ kind: 'secret', name: sec.name, key: sec.key, container: c.name });
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef?.name && !e.configMapRef.optional) refs.push({ kind: 'configmap', name: e.configMapRef.name, container: c.name });
      if (e.secretRef?.name && !e.secretRef.optional) refs.push({ kind: 'secret', name: e.secretRef.name, container: c.name });
    }
  }
  return refs;
}

/** Looks up a ConfigMap's or Secret's keys in the pod's namespace; undefined when the object does not exist. */
export type KeyLookup = (kind: RefKind, name: string) => string[] | undefined;

export interface MissingReference {
  ref: PodReference;
  /** The kubelet's own wording. */
  message: string;
}

export function missingReferences(pod: KubeObject, lookup: KeyLookup): MissingReference[] {
  const ns = pod.metadata.namespace ?? 'default';
  const out: MissingReference[] = [];
  for (const ref of podReferences(pod)) {
    const keys = lookup(ref.kind, ref.name);
    if (ref.volume !== undefined) {
      if (!keys) out.push({ ref, message: `MountVolume.SetUp failed for volume "${ref.volume}" : ${ref.kind} "${ref.name}" not found` });
    } else if (!keys) {
      out.push({ ref, message: `${ref.kind} "${ref.name}" not found` });
    } else if (ref.key !== undefined && !keys.includes(ref.key)) {
      const kindName = ref.kind === 'configmap' ? 'ConfigMap' : 'Secret';
      out.push({ ref, message: `couldn't find key ${ref.key} in ${kindName} ${ns}/${ref.name}` });
    }
  }
  return out;
}
