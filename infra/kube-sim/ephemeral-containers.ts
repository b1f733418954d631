// The pods/ephemeralcontainers subresource (kubectl debug): its update strategy keeps everything of the stored
// pod but spec.ephemeralContainers (k8s pkg/registry/core/pod/strategy.go dropNonEphemeralContainerUpdates),
// and its validation lets containers only be added, never changed or removed, with the fields an ephemeral
// container may carry (pkg/apis/core/validation: ValidatePodEphemeralContainersUpdate, validateEphemeralContainers).
import type { StatusCause } from './errors.js';
import type { KubeObject } from './types.js';
import { dns1123LabelErrors, deepEqual } from './validation.js';

type Obj = Record<string, any>;

/** Fields of EphemeralContainerCommon that must stay at their zero value (validateFieldAllowList). */
const FORBIDDEN_FIELDS = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

const forbidden = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });

/** Go's zero-value test as JSON sees it: an empty object is zero, an empty list or map given explicitly is not. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'object' && !Array.isArray(value)) return Object.keys(value as object).length > 0;
  return true;
}

/** The pod the subresource stores: the stored pod with only the candidate's ephemeral containers taken over. */
export function ephemeralContainersCandidate(stored: KubeObject, candidate: KubeObject): KubeObject {
  const next = structuredClone(stored) as KubeObject;
  const list = (candidate.spec as Obj | undefined)?.ephemeralContainers;
  const spec = next.spec as Obj;
  if (Array.isArray(list) && list.length) spec.ephemeralContainers = structuredClone(list);
  else delete spec.ephemeralContainers;
  next.metadata.managedFields = candidate.metadata.managedFields;
  return next;
}

/** Each ephemeral container on its own: name, image, the allow-list, target and mounts. */
export function validateEphemeralContainers(spec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const others = new Set([...((spec.initContainers ?? []) as Obj[]), ...((spec.containers ?? []) as Obj[])].map((c) => c?.name));
  const all = new Set(others);
  const volumes = new Set(((spec.volumes ?? []) as Obj[]).map((v) => v?.name));
  ((spec.ephemeralContainers ?? []) as Obj[]).forEach((c, i) => {
    const at = `spec.ephemeralContainers[${i}]`;
    if (!c?.name) causes.push({ reason: 'FieldValueRequired', field: `${at}.name`, message: 'Required value' });
    else if (all.has(c.name)) causes.push({ reason: 'FieldValueDuplicate', field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
    else {
      all.add(c.name);
      for (const msg of dns1123LabelErrors(c.name)) causes.push({ reason: 'FieldValueInvalid', field: `${at}.name`, message: `Invalid value: ${JSON.stringify(c.name)}: ${msg}` });
    }
    if (!c?.image || String(c.image).trim() === '') causes.push({ reason: 'FieldValueRequired', field: `${at}.image`, message: 'Required value' });
    if (c?.targetContainerName && !others.has(c.targetContainerName)) {
      causes.push({ reason: 'FieldValueNotFound', field: `${at}.targetContainerName`, message: `Not found: ${JSON.stringify(c.targetContainerName)}` });
    }
    for (const field of FORBIDDEN_FIELDS) if (isSet(c?.[field])) causes.push(forbidden(`${at}.${field}`, 'cannot be set for an Ephemeral Container'));
    ((c?.volumeMounts ?? []) as Obj[]).forEach((m, j) => {
      if (m?.name && !volumes.has(m.name)) causes.push({ reason: 'FieldValueNotFound', field: `${at}.volumeMounts[${j}].name`, message: `Not found: ${JSON.stringify(m.name)}` });
      for (const key of ['subPath', 'subPathExpr']) if (m?.[key]) causes.push(forbidden(`${at}.volumeMounts[${j}].${key}`, 'cannot be set for an Ephemeral Container'));
    });
  });
  return causes;
}

/** Existing ephemeral containers may not be removed or changed; order does not matter (patches reorder). */
export function validateEphemeralContainersUpdate(newSpec: Obj, oldSpec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const byName = new Map(((newSpec.ephemeralContainers ?? []) as Obj[]).map((c) => [c?.name, c]));
  for (const old of (oldSpec.ephemeralContainers ?? []) as Obj[]) {
    const now = byName.get(old.name);
    if (!now) causes.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(old.name)} may not be removed\n`));
    else if (!deepEqual(old, now)) {
      causes.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(old.name)} may not be changed\n${diffLines(old, now)}`));
    }
  }
  return causes;
}

/** A short field diff in place of Go's cmp.Diff. */
function diffLines(before: Obj, after: Obj): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines = ['  core.EphemeralContainer{'];
  for (const k of keys) {
    if (deepEqual(before[k], after[k])) continue;
    if (before[k] !== undefined) lines.push(`- \t${k}: ${JSON.stringify(before[k])},`);
    if (after[k] !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(after[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}
