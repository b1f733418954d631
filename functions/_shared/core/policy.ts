import { referenceViolations } from './reference-policy.js';

// What a host must not run on behalf of a tenant: one policy, evaluated by the webhook (an early, friendly
// refusal) and by the worker before every host write (the defence). vCluster copies these fields unchanged
// (facts 3.7); podferry refuses them, listing every violation with its field path and what to change.
// The rules live in pod-security/ (one file per group, registry.ts for their order and names): the Pod
// Security Standards as pod-security-admission v0.36.2 implements them at `latest`, plus podferry's
// host-protection rules that hold at every level.
import { MALFORMED, POLICY_EXCEPTIONS, findViolations } from './pod-security/registry.js';
import { isObj } from './pod-security/read.js';
import type { PodPolicy, PolicyVerdict, PolicyViolation } from './pod-security/types.js';

export type { PodPolicy, PodSecurityLevel, PolicyRule, PolicyVerdict, PolicyViolation, RuleOrigin } from './pod-security/types.js';
export { MALFORMED, POD_POLICY_RULES, POLICY_EXCEPTIONS } from './pod-security/registry.js';
export { ALLOWED_VOLUME_TYPES } from './pod-security/volumes.js';
export { BASELINE_CAPABILITIES } from './pod-security/privilege.js';
export { SAFE_SYSCTLS, SELINUX_TYPES } from './pod-security/confinement.js';

export const DEFAULT_POD_POLICY: Readonly<PodPolicy> = Object.freeze({ level: 'baseline', exceptions: Object.freeze([]), csiDrivers: Object.freeze([]) });

export interface PolicyInput {
  /** POD_SECURITY: baseline (default) or restricted. */
  level?: string;
  /** POD_POLICY: a comma list of exceptions; unset, empty or `none` means none. */
  exceptions?: string;
  /** CSI_DRIVERS: a comma list of CSI driver names. */
  csiDrivers?: string;
}

function list(s: string | undefined): string[] {
  return [...new Set((s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== ''))].sort();
}

/** Parses the three settings; an unknown level or exception throws, so a typo never silently loosens the policy. */
export function parsePodPolicy(input: PolicyInput = {}): PodPolicy {
  const level = (input.level ?? '').trim() || 'baseline';
  if (level !== 'baseline' && level !== 'restricted') throw new Error(`unknown pod security level "${level}"; expected baseline or restricted`);
  let exceptions = list(input.exceptions);
  if (exceptions.length === 1 && exceptions[0] === 'none') exceptions = [];
  for (const item of exceptions) {
    if (item === MALFORMED) throw new Error(`pod policy exception "${MALFORMED}" cannot be lifted: a field of the wrong type is always refused`);
    if (!POLICY_EXCEPTIONS.includes(item)) throw new Error(`unknown pod policy exception "${item}"; expected a comma list of ${POLICY_EXCEPTIONS.join(', ')} (or none)`);
  }
  return { level, exceptions, csiDrivers: list(input.csiDrivers) };
}

/**
 * Every rule the pod breaks, in spec order. Total over any input: a tenant controls the object, so a field
 * of the wrong type is a violation, never an exception.
 */
export function evaluatePodPolicy(pod: unknown, policy: PodPolicy): PolicyVerdict {
  const spec = isObj(pod) ? pod.spec : undefined;
  if (spec === undefined || spec === null) return { allowed: true };
  if (!isObj(spec)) return verdict([{ rule: MALFORMED, field: 'spec', message: 'spec is not an object' }]);
  // References that no translation makes safe are host protection too, never liftable (reference-policy.ts).
  return verdict([...findViolations(pod as Record<string, unknown>, spec, policy), ...referenceViolations(spec)]);
}

function verdict(violations: PolicyViolation[]): PolicyVerdict {
  if (violations.length === 0) return { allowed: true };
  return { allowed: false, violations, reason: policyReason(violations) };
}

/** The one sentence a user sees, in the webhook's denial and in the worker's SyncError event alike. */
export function policyReason(violations: readonly PolicyViolation[]): string {
  // Counted by rule: one rule broken in two containers is still one rule (with two sentences).
  const rules = new Set(violations.map((v) => v.rule)).size;
  const head = rules === 1 ? 'the pod breaks 1 rule of the host policy' : `the pod breaks ${rules} rules of the host policy`;
  return `${head}: ${violations.map((v) => v.message).join('; ')}`;
}
