import type { PodView } from './pod-view.js';
import { who } from './messages.js';
import type { Fields, Obj } from './read.js';
import type { PodPolicy, PolicyRule } from './types.js';

// One rule: its README line and the function that finds its violations. A check reports every offending
// field; the registry decides whether it runs (its origin and the level) and drops what an exception lifts.

export interface CheckContext {
  pod: PodView;
  read: Fields;
  policy: PodPolicy;
  report(field: string, message: string): void;
}

export interface Check extends PolicyRule {
  run(ctx: CheckContext): void;
}

/** `spec.containers[0].securityContext` */
export const scPath = (containerPath: string): string => `${containerPath}.securityContext`;

/** Every securityContext that may carry a field: the pod's, then each container's, with who set it. */
export function securityContexts(pod: PodView): Array<{ sc: Obj | undefined; path: string; by: string }> {
  return [
    { sc: pod.securityContext, path: 'spec.securityContext', by: '' },
    ...pod.containers.map((c) => ({ sc: c.securityContext, path: scPath(c.path), by: ` (${who(c.name)})` })),
  ];
}
