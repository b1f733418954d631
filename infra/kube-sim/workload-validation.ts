// Validation of the workload kinds as k8s pkg/apis/apps/validation and pkg/apis/batch/validation run it, for
// what users commonly get wrong: a missing or empty selector, a selector that does not match the template's
// labels, negative counts, a bad rolling-update strategy, the wrong restartPolicy, and immutable fields on
// update. Messages keep the real wording, Go value renderings included. Pure: each returns the causes.
import type { StatusCause } from './errors.js';
import { goLabelSelector, goStringMap, isEmptySelector, selectorMatches, selectorRequirements, type LabelSelector } from './label-selector.js';
import { labelValueErrors, qualifiedNameErrors } from './label-syntax.js';
import type { KubeObject, ResourceType } from './types.js';
import { deepEqual, forbiddenField, invalidValue, notSupported, required, validatePodSpec } from './validation.js';

type Obj = Record<string, any>;

const invalidRaw = (field: string, rendered: string, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${rendered}: ${detail}` });

function nonNegative(causes: StatusCause[], field: string, value: unknown): void {
  if (typeof value === 'number' && value < 0) causes.push(invalidValue(field, value, 'must be greater than or equal to 0'));
}

/** Go's %#v of an intstr.IntOrString, as the rolling-update messages print it. */
function goIntOrString(v: unknown): string {
  return typeof v === 'string' ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}` : `intstr.IntOrString{Type:0, IntVal:${Number(v ?? 0)}, StrVal:""}`;
}

const PERCENT = /^[0-9]+%$/;

function intOrPercent(causes: StatusCause[], field: string, v: unknown): void {
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) causes.push(invalidValue(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  } else nonNegative(causes, field, v);
}

const intOrPercentValue = (v: unknown) => (typeof v === 'string' ? Number.parseInt(v, 10) || 0 : Number(v ?? 0));

function validateStrategy(causes: StatusCause[], strategy: Obj | undefined): void {
  const type = strategy?.type;
  if (type === 'Recreate') {
    if (strategy?.rollingUpdate) causes.push(forbiddenField('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    const ru = (strategy?.rollingUpdate ?? {}) as Obj;
    intOrPercent(causes, 'spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable);
    intOrPercent(causes, 'spec.strategy.rollingUpdate.maxSurge', ru.maxSurge);
    if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
      causes.push(invalidRaw('spec.strategy.rollingUpdate.maxUnavailable', goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
    }
    if (typeof ru.maxUnavailable === 'string' && PERCENT.test(ru.maxUnavailable) && intOrPercentValue(ru.maxUnavailable) > 100) {
      causes.push(invalidValue('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must not be greater than 100%'));
    }
  } else {
    causes.push(notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']));
  }
}

function validateSelector(causes: StatusCause[], selector: LabelSelector | undefined, kindWord: string): void {
  if (!selector) {
    causes.push(required('spec.selector'));
    return;
  }
  (selector.matchExpressions ?? []).forEach((e, i) => {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e?.operator)) causes.push(invalidValue(`spec.selector.matchExpressions[${i}].operator`, e?.operator, 'not a valid selector operator'));
  });
  if (isEmptySelector(selector)) causes.push(invalidRaw('spec.selector', goLabelSelector(selector), `empty selector is invalid for ${kindWord}`));
}

/** ValidatePodTemplateSpecForReplicaSet and its Job/StatefulSet cousins: labels, the selector match, the pod spec. */
function validateTemplate(causes: StatusCause[], spec: Obj, restartPolicies: string[]): void {
  const template = spec.template as Obj | undefined;
  if (!template || typeof template !== 'object') {
    causes.push(required('spec.template'));
    return;
  }
  const labels = template.metadata?.labels as Record<string, string> | undefined;
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of qualifiedNameErrors(k)) causes.push(invalidValue('spec.template.metadata.labels', k, msg));
    for (const msg of labelValueErrors(String(v))) causes.push(invalidValue('spec.template.metadata.labels', v, msg));
  }
  // A missing selector selects nothing, so it fails the match as well, as the real validation reports both.
  const selector = spec.selector as LabelSelector | undefined;
  if ((!selector || !isEmptySelector(selector)) && selectorRequirements(selector) && !selectorMatches(selector, labels)) {
    causes.push(invalidRaw('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  for (const c of validatePodSpec({ metadata: {}, spec: template.spec ?? {} })) {
    if (c.field === 'spec.restartPolicy') continue;
    causes.push({ ...c, field: c.field ? `spec.template.${c.field}` : c.field });
  }
  const restartPolicy = template.spec?.restartPolicy;
  if (!restartPolicies.includes(restartPolicy)) causes.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, restartPolicies));
}

function validateDeploymentSpec(causes: StatusCause[], spec: Obj, kind: 'Deployment' | 'ReplicaSet'): void {
  nonNegative(causes, 'spec.replicas', spec.replicas);
  validateSelector(causes, spec.selector, 'deployment');
  validateTemplate(causes, spec, ['Always']);
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined) causes.push(forbiddenField('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  nonNegative(causes, 'spec.minReadySeconds', spec.minReadySeconds);
  if (kind !== 'Deployment') return;
  validateStrategy(causes, spec.strategy);
  nonNegative(causes, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  if (typeof spec.progressDeadlineSeconds === 'number') {
    nonNegative(causes, 'spec.progressDeadlineSeconds', spec.progressDeadlineSeconds);
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) causes.push(invalidValue('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
}

function validateStatefulSetSpec(causes: StatusCause[], spec: Obj): void {
  const policy = spec.podManagementPolicy;
  if (!['OrderedReady', 'Parallel'].includes(policy)) causes.push(notSupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
  const type = spec.updateStrategy?.type;
  if (!['RollingUpdate', 'OnDelete'].includes(type)) causes.push(notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
  if (type === 'OnDelete' && spec.updateStrategy?.rollingUpdate) causes.push(forbiddenField('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"));
  nonNegative(causes, 'spec.updateStrategy.rollingUpdate.partition', spec.updateStrategy?.rollingUpdate?.partition);
  nonNegative(causes, 'spec.replicas', spec.replicas);
  nonNegative(causes, 'spec.minReadySeconds', spec.minReadySeconds);
  validateSelector(causes, spec.selector, 'statefulset');
  validateTemplate(causes, spec, ['Always']);
}

function validateJobSpec(causes: StatusCause[], spec: Obj): void {
  nonNegative(causes, 'spec.parallelism', spec.parallelism);
  nonNegative(causes, 'spec.completions', spec.completions);
  nonNegative(causes, 'spec.backoffLimit', spec.backoffLimit);
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0) causes.push(invalidValue('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be greater than 0'));
  nonNegative(causes, 'spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished);
  if (!['NonIndexed', 'Indexed'].includes(spec.completionMode)) causes.push(notSupported('spec.completionMode', spec.completionMode, ['NonIndexed', 'Indexed']));
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) causes.push(required('spec.completions', 'when completion mode is Indexed'));
  validateSelector(causes, spec.selector, 'job');
  validateTemplate(causes, spec, ['OnFailure', 'Never']);
}

/** Create and update validation of the spec, after defaulting. */
export function validateWorkload(resource: ResourceType, obj: KubeObject): StatusCause[] {
  const spec = (obj.spec ?? {}) as Obj;
  const causes: StatusCause[] = [];
  switch (resource.group === 'apps' || resource.group === 'batch' ? resource.kind : '') {
    case 'Deployment': validateDeploymentSpec(causes, spec, 'Deployment'); break;
    case 'ReplicaSet': validateDeploymentSpec(causes, spec, 'ReplicaSet'); break;
    case 'StatefulSet': validateStatefulSetSpec(causes, spec); break;
    case 'Job': validateJobSpec(causes, spec); break;
  }
  return causes;
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** The immutable parts of each kind's spec (apps/v1 selectors; most of a StatefulSet and a Job). */
export function validateWorkloadUpdate(resource: ResourceType, next: KubeObject, stored: KubeObject): StatusCause[] {
  if (resource.group !== 'apps' && resource.group !== 'batch') return [];
  const spec = (next.spec ?? {}) as Obj;
  const old = (stored.spec ?? {}) as Obj;
  const causes = validateWorkload(resource, next);
  const immutable = (field: string, rendered: string) => causes.push(invalidRaw(`spec.${field}`, rendered, 'field is immutable'));
  if ((resource.kind === 'Deployment' || resource.kind === 'ReplicaSet') && !deepEqual(spec.selector, old.selector)) immutable('selector', goLabelSelector(spec.selector));
  if (resource.kind === 'StatefulSet') {
    const a = { ...spec };
    const b = { ...old };
    for (const k of STS_MUTABLE) { delete a[k]; delete b[k]; }
    if (!deepEqual(a, b)) causes.push(forbiddenField('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  if (resource.kind === 'Job') {
    if (!deepEqual(spec.selector, old.selector)) immutable('selector', goLabelSelector(spec.selector));
    // The real message dumps the whole internal PodTemplateSpec; its tail is what users read.
    if (!deepEqual(spec.template, old.template)) immutable('template', 'core.PodTemplateSpec{...}');
    if (spec.completionMode !== old.completionMode) immutable('completionMode', JSON.stringify(spec.completionMode));
    const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && old.completions === old.parallelism;
    if (spec.completions !== old.completions && !elastic) immutable('completions', String(spec.completions));
  }
  return causes;
}
