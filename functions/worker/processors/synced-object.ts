// What the service and claim processors share: the read-plan-apply loop, and the refusals that end it.
import type { Job } from 'bullmq';
import type { ObjectRef } from '../../_shared/core/job-refs.js';
import type { PolicyViolation } from '../../_shared/core/policy.js';
import { recordWarning, type InvolvedObject } from '../../_shared/kube/cluster-objects.js';
import type { WorkerDeps } from '../worker-deps.js';
import { observeHostWriteRefused } from '../worker-metrics.js';

export type Note = (msg: string) => Promise<unknown>;

/** A job's note: a timestamped line in its log on the dashboard. */
export function jobNote(job: Job, deps: WorkerDeps): Note {
  return (msg) => job.log(`${deps.now().toISOString()} ${msg}`);
}

/**
 * Reads both sides, plans the one next step and applies it, then reads and plans again, until the plan is
 * `nothing`, a step says there is nothing more to do now (a refusal), or `rounds` steps were taken (what is
 * left waits for the next event). Returns the steps taken, for the job's result.
 */
export async function converge<O, P extends { type: string; reason?: unknown }>(rounds: number, step: {
  read(): Promise<[O | undefined, O | undefined]>;
  plan(virtual: O | undefined, host: O | undefined): P;
  apply(plan: P, virtual: O | undefined, host: O | undefined): Promise<boolean>;
}): Promise<string> {
  const steps: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const [virtual, host] = await step.read();
    const plan = step.plan(virtual, host);
    if (plan.type === 'nothing') {
      if (steps.length === 0) steps.push(`nothing (${String(plan.reason)})`);
      break;
    }
    steps.push(plan.type);
    if (!(await step.apply(plan, virtual, host))) break;
  }
  return steps.join(', ');
}

/** The virtual object events are about. */
export function involved(kind: InvolvedObject['kind'], ref: ObjectRef, virtual: { metadata?: { uid?: string } } | undefined): InvolvedObject {
  return { kind, namespace: ref.namespace, name: ref.name, ...(virtual?.metadata?.uid ? { uid: virtual.metadata.uid } : {}) };
}

/** A refusal (policy) or a conflict (the host name is someone else's): nothing is written, the virtual object says why. */
export async function refuse(plan: { type: 'refuse'; reason: string; violations: PolicyViolation[] } | { type: 'conflict'; message: string }, about: InvolvedObject, deps: WorkerDeps, note: Note): Promise<void> {
  const what = about.kind === 'Service' ? 'Service' : 'PersistentVolumeClaim';
  if (plan.type === 'refuse') {
    observeHostWriteRefused(deps, 'policy', plan.violations.map((v) => v.rule));
    await recordWarning(deps.virtual, about, 'SyncError', `podferry refused to create this ${what} on the host cluster: ${plan.reason}`, deps.now());
    await note(`host write refused: ${plan.reason}`);
  } else {
    observeHostWriteRefused(deps, 'conflict', ['ownership']);
    await recordWarning(deps.virtual, about, 'SyncError', `podferry cannot sync this ${what} to the host cluster: ${plan.message}`, deps.now());
    await note(`host write refused: ${plan.message}`);
  }
}
