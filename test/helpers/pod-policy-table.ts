import type { Test } from 'tap';
import { evaluatePodPolicy, parsePodPolicy, type PodSecurityLevel, type PolicyViolation } from '../../functions/_shared/core/policy.js';

// Table tests for the pod policy: each case is a pod spec, the levels it is judged at, and the exact
// violations (rule and field, and a message pattern) expected; a denied case is also checked with its
// rules lifted. The base pod passes restricted, so a case changes only what it is about.

type Spec = Record<string, unknown>;

/** A container that passes restricted; `sc` is merged into its securityContext. */
export function container(name: string, sc: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Spec {
  return { name, image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...sc }, ...extra };
}

/** A pod that passes restricted; `spec` replaces fields, `podSc` is merged into spec.securityContext. */
export function pod(spec: Spec = {}, podSc: Record<string, unknown> = {}, metadata: Spec = {}): Spec {
  return {
    metadata: { name: 'p', namespace: 'default', ...metadata },
    spec: { containers: [container('app')], securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...podSc }, ...spec },
  };
}

export interface Case {
  when: string;
  pod: Spec;
  /** Levels the expectation holds at (default both). */
  at?: PodSecurityLevel[];
  /** Expected violations as [rule, field, message pattern?]; none means allowed. */
  deny?: Array<[string, string, (string | RegExp)?]>;
  csiDrivers?: string;
}

export function runTable(t: Test, cases: Case[]): void {
  for (const c of cases) {
    for (const level of c.at ?? ['baseline', 'restricted'] as const) {
      const policy = parsePodPolicy({ level, csiDrivers: c.csiDrivers });
      const deny = c.deny ?? [];
      const then = deny.length === 0 ? 'allows it' : `denies ${deny.map(([, f]) => f).join(', ')}`;
      t.test(`when ${c.when}, then ${level} ${then}`, async (t) => {
        const verdict = evaluatePodPolicy(c.pod, policy);
        const found: PolicyViolation[] = verdict.allowed ? [] : verdict.violations;
        t.same(found.map((v) => [v.rule, v.field]), deny.map(([r, f]) => [r, f]), 'the rules and fields, in spec order');
        deny.forEach(([, , message], i) => {
          if (message === undefined || !found[i]) return;
          if (typeof message === 'string') t.equal(found[i].message, message);
          else t.match(found[i].message, message);
        });
        for (const v of found) t.ok(v.message.startsWith(v.field), `the sentence starts with its field: ${v.message}`);
        if (deny.length > 0 && deny.every(([r]) => r !== 'malformed')) {
          const lifted = parsePodPolicy({ level, csiDrivers: c.csiDrivers, exceptions: [...new Set(deny.map(([r]) => r))].join(',') });
          t.same(evaluatePodPolicy(c.pod, lifted), { allowed: true }, 'allowed once those rules are lifted');
        }
      });
    }
  }
}
