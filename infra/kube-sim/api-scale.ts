// The scale subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets and StatefulSets, as `kubectl scale`
// and autoscalers use it: a view of spec.replicas, status.replicas and the selector as a string; writing it
// changes only spec.replicas of the object, with the object's own resourceVersion as the precondition.
import { badRequest, invalid } from './errors.js';
import { formatLabelSelector } from './label-selector.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

export function toScale(obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const spec = (obj.spec ?? {}) as Obj;
  const status = (obj.status ?? {}) as Obj;
  const selector = formatLabelSelector(spec.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector !== '<none>' && selector !== '<error>' ? { selector } : {}) },
  };
}

/**
 * The candidate object a Scale write produces (the caller's own copy of the stored object, changed in place),
 * after the checks the scale REST storage makes: the name, the kind, and replicas >= 0.
 */
export function applyScale(stored: KubeObject, candidate: KubeObject, scale: KubeObject): KubeObject {
  const name = stored.metadata.name!;
  if (!scale || typeof scale !== 'object') throw badRequest('the object provided is unrecognized (must be of type Scale)');
  if (scale.kind !== undefined && scale.kind !== 'Scale') throw badRequest(`${scale.kind} in version "v1" cannot be handled as a Scale`);
  if (scale.metadata?.name !== undefined && scale.metadata.name !== name) throw badRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`);
  const replicas = (scale.spec as Obj | undefined)?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw badRequest('Scale in version "v1" cannot be handled as a Scale: spec.replicas must be an integer');
  if (replicas < 0) throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
  candidate.spec = { ...(candidate.spec as Obj), replicas };
  return candidate;
}
