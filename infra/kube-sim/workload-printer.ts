// Table cells of the workload kinds as k8s pkg/printers/internalversion/printers.go prints them
// (printDeployment, printReplicaSet, printStatefulSet, printJob); table.ts holds the column definitions.
import { ageSince, humanDuration } from './human-duration.js';
import { formatLabelSelector } from './label-selector.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

const specOf = (o: KubeObject) => (o.spec ?? {}) as Obj;
const statusOf = (o: KubeObject) => (o.status ?? {}) as Obj;

/** layoutContainerCells: container names and images, comma-joined. */
function containerCells(o: KubeObject): [string, string] {
  const containers = (specOf(o).template?.spec?.containers ?? []) as Obj[];
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

export function deploymentCells(o: KubeObject, now: Date): unknown[] {
  const spec = specOf(o);
  const status = statusOf(o);
  return [o.metadata.name, `${status.readyReplicas ?? 0}/${spec.replicas ?? 0}`, status.updatedReplicas ?? 0, status.availableReplicas ?? 0,
    ageSince(o.metadata.creationTimestamp, now), ...containerCells(o), formatLabelSelector(spec.selector)];
}

export function replicaSetCells(o: KubeObject, now: Date): unknown[] {
  const spec = specOf(o);
  const status = statusOf(o);
  return [o.metadata.name, spec.replicas ?? 0, status.replicas ?? 0, status.readyReplicas ?? 0,
    ageSince(o.metadata.creationTimestamp, now), ...containerCells(o), formatLabelSelector(spec.selector)];
}

export function statefulSetCells(o: KubeObject, now: Date): unknown[] {
  return [o.metadata.name, `${statusOf(o).readyReplicas ?? 0}/${specOf(o).replicas ?? 0}`, ageSince(o.metadata.creationTimestamp, now), ...containerCells(o)];
}

const hasCondition = (o: KubeObject, type: string) => ((statusOf(o).conditions ?? []) as Obj[]).some((c) => c.type === type && c.status === 'True');

function jobStatus(o: KubeObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export function jobCells(o: KubeObject, now: Date): unknown[] {
  const spec = specOf(o);
  const status = statusOf(o);
  const succeeded = status.succeeded ?? 0;
  let completions: string;
  if (spec.completions !== undefined && spec.completions !== null) completions = `${succeeded}/${spec.completions}`;
  else completions = (spec.parallelism ?? 0) > 1 ? `${succeeded}/1 of ${spec.parallelism}` : `${succeeded}/1`;
  let duration = '';
  const start = status.startTime ? Date.parse(status.startTime) : NaN;
  if (!Number.isNaN(start)) {
    const end = status.completionTime ? Date.parse(status.completionTime) : now.getTime();
    duration = humanDuration(end - start);
  }
  return [o.metadata.name, jobStatus(o), completions, duration, ageSince(o.metadata.creationTimestamp, now), ...containerCells(o), formatLabelSelector(spec.selector)];
}
