// The scheduler's VolumeBinding plugin, for PersistentVolumeClaims: PreFilter refuses a pod whose claim is
// missing, being deleted, or unbound with an Immediate class (the PV controller binds those, not the
// scheduler); Filter keeps a pod off nodes its bound volumes cannot reach; claims of a WaitForFirstConsumer
// class wait for the scheduler to pick a node, which it then writes on the claim for the provisioner.
// Pure: the caller passes what its watches hold.
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

export interface VolumeView {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  storageClass(name: string): KubeObject | undefined;
  defaultClass(): KubeObject | undefined;
}

export type VolumeCheck =
  | { ok: false; message: string }
  | { ok: true; bound: KubeObject[]; delayed: KubeObject[] };

export function claimNames(pod: KubeObject): string[] {
  const volumes = ((pod.spec as Obj | undefined)?.volumes ?? []) as Obj[];
  return volumes.map((v) => v?.persistentVolumeClaim?.claimName).filter((n): n is string => typeof n === 'string' && n !== '');
}

/** The class a claim binds through: its storageClassName, or none for "" (static binding only). */
function classOf(claim: KubeObject, view: VolumeView): KubeObject | undefined {
  const name = (claim.spec as Obj | undefined)?.storageClassName;
  if (name === '') return undefined;
  return name === undefined ? view.defaultClass() : view.storageClass(name);
}

/** PreFilter: the reasons the framework prints before any node is looked at. */
export function checkPodVolumes(pod: KubeObject, view: VolumeView): VolumeCheck {
  const ns = pod.metadata.namespace ?? '';
  const bound: KubeObject[] = [];
  const delayed: KubeObject[] = [];
  let unboundImmediate = false;
  for (const name of claimNames(pod)) {
    const claim = view.claim(ns, name);
    if (!claim) return { ok: false, message: `persistentvolumeclaim "${name}" not found` };
    if (claim.metadata.deletionTimestamp) return { ok: false, message: `persistentvolumeclaim "${name}" is being deleted` };
    const volumeName = (claim.spec as Obj | undefined)?.volumeName;
    if (volumeName) {
      const pv = view.volume(volumeName);
      if (pv) bound.push(pv);
      continue;
    }
    if ((classOf(claim, view) as Obj | undefined)?.volumeBindingMode === 'WaitForFirstConsumer') delayed.push(claim);
    else unboundImmediate = true;
  }
  if (unboundImmediate) return { ok: false, message: 'pod has unbound immediate PersistentVolumeClaims' };
  return { ok: true, bound, delayed };
}

function requirementMatches(req: Obj, labels: Record<string, string>): boolean {
  const value = labels[req.key];
  const values = (req.values ?? []) as string[];
  switch (req.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    default: return false;
  }
}

/** A PV's spec.nodeAffinity.required: any term whose expressions all match the node's labels. */
export function volumeFitsNode(pv: KubeObject, nodeLabels: Record<string, string>): boolean {
  const terms = ((pv.spec as Obj | undefined)?.nodeAffinity?.required?.nodeSelectorTerms ?? []) as Obj[];
  if (terms.length === 0) return true;
  return terms.some((t) => ((t.matchExpressions ?? []) as Obj[]).every((r) => requirementMatches(r, nodeLabels)));
}
