// Validation as the real strategies run it (k8s pkg/apis/core/validation): object names, the common pod
// spec mistakes on create, and the pod update rules. Pure: each returns the causes; the API turns them into
// one 422 Invalid.
import { dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors, regexError } from './label-syntax.js';
import type { StatusCause } from './errors.js';
import type { KubeObject, ResourceType } from './types.js';

type Obj = Record<string, any>;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

function dns1035LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  }
  return errs;
}

export const required = (field: string, detail?: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
export const invalidValue = (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });
export const duplicate = (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(value)}` });
export const notSupported = (field: string, value: unknown, supported: string[]): StatusCause => ({
  reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});
export const forbiddenField = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });

/** validateContainersOnlyForPod: a pod's image may not carry leading or trailing whitespace (templates may). */
function imageWhitespace(field: string, image: unknown): StatusCause[] {
  const s = String(image);
  return s.trim() === s ? [] : [invalidValue(field, image, 'must not have leading or trailing whitespace')];
}

/** The name rule of each type: namespaces are DNS labels, services DNS-1035 labels, the rest subdomains. */
function nameErrors(resource: ResourceType, name: string): string[] {
  if (resource.plural === 'namespaces') return dns1123LabelErrors(name);
  if (resource.plural === 'services') return dns1035LabelErrors(name);
  return dns1123SubdomainErrors(name);
}

/** ObjectMeta checks shared by every type on create and update. */
export function validateObjectMeta(resource: ResourceType, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = obj.metadata;
  if (!meta.name) causes.push(required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameErrors(resource, meta.name)) causes.push(invalidValue('metadata.name', meta.name, msg));
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    for (const msg of qualifiedNameErrors(k)) causes.push(invalidValue('metadata.labels', k, msg));
    for (const msg of labelValueErrors(String(v))) causes.push(invalidValue('metadata.labels', v, msg));
  }
  for (const k of Object.keys(meta.annotations ?? {})) {
    for (const msg of qualifiedNameErrors(k.toLowerCase())) causes.push(invalidValue('metadata.annotations', k, msg));
  }
  return causes;
}

function validateContainers(list: unknown, path: string, requiredList: boolean, seen: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!Array.isArray(list) || list.length === 0) {
    if (requiredList) causes.push(required(path));
    return causes;
  }
  list.forEach((c: Obj, i) => {
    const at = `${path}[${i}]`;
    if (!c?.name) causes.push(required(`${at}.name`));
    else if (seen.has(c.name)) causes.push(duplicate(`${at}.name`, c.name));
    else {
      seen.add(c.name);
      for (const msg of dns1123LabelErrors(c.name)) causes.push(invalidValue(`${at}.name`, c.name, msg));
    }
    if (!c?.image) causes.push(required(`${at}.image`));
    else causes.push(...imageWhitespace(`${at}.image`, c.image));
    if (c?.imagePullPolicy && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) {
      causes.push(notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
    }
  });
  return causes;
}

/** Pod create validation, after defaulting: the common mistakes with the real fields and messages. */
export function validatePodSpec(pod: KubeObject): StatusCause[] {
  const spec = (pod.spec ?? {}) as Obj;
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  causes.push(...validateContainers(spec.containers, 'spec.containers', true, names));
  causes.push(...validateContainers(spec.initContainers, 'spec.initContainers', false, names));
  // Ephemeral containers come only through pods/ephemeralcontainers (ValidatePodCreate).
  if (Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length) causes.push(forbiddenField('spec.ephemeralContainers', 'cannot be set on create'));
  if (!['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) {
    causes.push(notSupported('spec.restartPolicy', spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!dnsPolicies.includes(spec.dnsPolicy)) causes.push(notSupported('spec.dnsPolicy', spec.dnsPolicy, dnsPolicies));
  const volumeNames = new Set<string>();
  ((spec.volumes ?? []) as Obj[]).forEach((v, i) => {
    if (!v?.name) causes.push(required(`spec.volumes[${i}].name`));
    else if (volumeNames.has(v.name)) causes.push(duplicate(`spec.volumes[${i}].name`, v.name));
    else volumeNames.add(v.name);
  });
  for (const list of ['initContainers', 'containers']) {
    ((spec[list] ?? []) as Obj[]).forEach((c, i) => {
      ((c?.volumeMounts ?? []) as Obj[]).forEach((m, j) => {
        if (m?.name && !volumeNames.has(m.name)) causes.push({ reason: 'FieldValueNotFound', field: `spec.${list}[${i}].volumeMounts[${j}].name`, message: `Not found: ${JSON.stringify(m.name)}` });
      });
    });
  }
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0) {
    causes.push(invalidValue('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  return causes;
}

export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/**
 * The pod update rule (ValidatePodUpdate): put back every field the update may change, then the result must
 * equal the old spec. Returns the 422 causes, empty when the update is allowed.
 */
export function validatePodSpecUpdate(newSpec: Obj, oldSpec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const munged: Obj = structuredClone(newSpec);
  for (const list of ['containers', 'initContainers']) {
    const next = (munged[list] ?? []) as Obj[];
    const prev = (oldSpec[list] ?? []) as Obj[];
    next.forEach((c, i) => {
      if (!c?.image) causes.push(required(`spec.${list}[${i}].image`));
      else causes.push(...imageWhitespace(`spec.${list}[${i}].image`, c.image));
      if (prev[i] && next.length === prev.length) c.image = prev[i].image;
    });
  }
  // activeDeadlineSeconds may be set when unset, or lowered; never raised or removed.
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  const newDeadline = munged.activeDeadlineSeconds;
  if (newDeadline !== undefined && (oldDeadline === undefined || newDeadline <= oldDeadline)) {
    if (oldDeadline === undefined) delete munged.activeDeadlineSeconds;
    else munged.activeDeadlineSeconds = oldDeadline;
  }
  const oldTolerations = (oldSpec.tolerations ?? []) as Obj[];
  const newTolerations = (munged.tolerations ?? []) as Obj[];
  if (oldTolerations.every((t) => newTolerations.some((n) => deepEqual(n, t)))) {
    if (oldSpec.tolerations === undefined) delete munged.tolerations;
    else munged.tolerations = oldSpec.tolerations;
  }
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  // Removing scheduling gates is how a gated pod is released; adding them is not allowed.
  const oldGates = (oldSpec.schedulingGates ?? []) as Obj[];
  const newGates = (munged.schedulingGates ?? []) as Obj[];
  if (newGates.every((g) => oldGates.some((o) => deepEqual(o, g)))) {
    if (oldSpec.schedulingGates === undefined) delete munged.schedulingGates;
    else munged.schedulingGates = oldSpec.schedulingGates;
  }
  if (!deepEqual(munged, oldSpec)) {
    causes.push(forbiddenField('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${specDiff(oldSpec, munged)}`));
  }
  return causes;
}

/** A short top-level diff in place of the Go cmp.Diff the real message carries. */
function specDiff(oldSpec: Obj, newSpec: Obj): string {
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort();
  const lines = ['  core.PodSpec{'];
  for (const k of keys) {
    if (deepEqual(oldSpec[k], newSpec[k])) continue;
    if (oldSpec[k] !== undefined) lines.push(`- \t${k}: ${JSON.stringify(oldSpec[k])},`);
    if (newSpec[k] !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(newSpec[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

/** Metadata the server owns: a change to it in an update is refused like the real ValidateObjectMetaUpdate. */
export function validateObjectMetaUpdate(next: KubeObject, prev: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (next.metadata.generateName !== prev.metadata.generateName && next.metadata.generateName !== undefined) {
    causes.push(invalidValue('metadata.generateName', next.metadata.generateName, 'field is immutable'));
  }
  if (prev.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).some((f) => !(prev.metadata.finalizers ?? []).includes(f))) {
    causes.push(forbiddenField('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${(next.metadata.finalizers ?? []).filter((f) => !(prev.metadata.finalizers ?? []).includes(f)).map((f) => JSON.stringify(f)).join(', ')}}`));
  }
  return causes;
}

/** Structural equality of JSON values; key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ak = Object.keys(a as object).filter((k) => (a as Obj)[k] !== undefined);
  const bk = Object.keys(b as object).filter((k) => (b as Obj)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as Obj)[k], (b as Obj)[k]));
}
