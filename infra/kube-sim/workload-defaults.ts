// Defaulting of the workload kinds (k8s pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go) and what
// their strategies' PrepareForCreate adds once the object has a uid (a Job's generated selector and labels).
// Pod templates get the PodSpec defaults, not the Pod-only ones (enableServiceLinks, requests from limits).
import { applyPodSchemeDefaults } from './pod-defaults.js';
import type { KubeObject, ResourceType } from './types.js';

type Obj = Record<string, any>;

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

const isWorkload = (r: ResourceType) => r.group === 'apps' || r.group === 'batch';

/** SetDefaults_PodSpec on a template: the pod defaults less the two that only SetDefaults_Pod applies. */
export function applyTemplateDefaults(template: Obj | undefined): void {
  if (!template || typeof template !== 'object') return;
  const spec = template.spec;
  if (!spec || typeof spec !== 'object') return;
  const hadServiceLinks = 'enableServiceLinks' in spec;
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  const requestsBefore = containers.map((c: Obj) => (c && typeof c === 'object' ? structuredClone(c.resources?.requests) : undefined));
  applyPodSchemeDefaults({ metadata: {}, spec } as KubeObject);
  if (!hadServiceLinks) delete spec.enableServiceLinks;
  containers.forEach((c: Obj, i) => {
    if (!c || typeof c !== 'object' || !c.resources) return;
    if (requestsBefore[i] === undefined) delete c.resources.requests;
    else c.resources.requests = requestsBefore[i];
  });
}

function defaultDeployment(spec: Obj): void {
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {}) as Obj;
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {}) as Obj;
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
}

function defaultStatefulSet(spec: Obj): void {
  spec.podManagementPolicy ||= 'OrderedReady';
  const strategy = (spec.updateStrategy ??= {}) as Obj;
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) strategy.rollingUpdate.partition ??= 0;
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {}) as Obj;
  retention.whenDeleted ||= 'Retain';
  retention.whenScaled ||= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  for (const claim of (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) as Obj[]) {
    if (claim?.spec && typeof claim.spec === 'object') claim.spec.volumeMode ??= 'Filesystem';
  }
}

function defaultJob(job: KubeObject, spec: Obj): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
}

/** Runs with the other scheme defaults on every create and main-resource update; idempotent. */
export function applyWorkloadDefaults(resource: ResourceType, obj: KubeObject): void {
  if (!isWorkload(resource)) return;
  const spec = (obj.spec && typeof obj.spec === 'object' ? obj.spec : (obj.spec = {})) as Obj;
  switch (resource.kind) {
    case 'Deployment': defaultDeployment(spec); break;
    case 'ReplicaSet': spec.replicas ??= 1; break;
    case 'StatefulSet': defaultStatefulSet(spec); break;
    case 'Job': defaultJob(obj, spec); break;
  }
  applyTemplateDefaults(spec.template);
}

/**
 * PrepareForCreate, run once uid and name are set: status starts empty, and a Job without manualSelector gets
 * the generated selector on its controller-uid and the job-name/controller-uid labels on its template.
 */
export function prepareWorkloadForCreate(resource: ResourceType, obj: KubeObject): void {
  if (!isWorkload(resource)) return;
  obj.status = {};
  if (resource.kind !== 'Job') return;
  const spec = obj.spec as Obj;
  if (spec.manualSelector === true) return;
  const template = (spec.template && typeof spec.template === 'object' ? spec.template : (spec.template = {})) as Obj;
  const metadata = (template.metadata && typeof template.metadata === 'object' ? template.metadata : (template.metadata = {})) as Obj;
  const labels = (metadata.labels ??= {}) as Record<string, string>;
  const name = obj.metadata.name ?? '';
  const uid = obj.metadata.uid ?? '';
  labels[CONTROLLER_UID_LABEL] ??= uid;
  labels[JOB_NAME_LABEL] ??= name;
  labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
  labels[LEGACY_JOB_NAME_LABEL] ??= name;
  const selector = (spec.selector && typeof spec.selector === 'object' ? spec.selector : (spec.selector = {})) as Obj;
  selector.matchLabels = { ...(selector.matchLabels ?? {}) };
  selector.matchLabels[CONTROLLER_UID_LABEL] ??= uid;
  // The real server copies the template labels onto an unlabelled Job when it decodes the first status write.
  if (Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...labels };
}
