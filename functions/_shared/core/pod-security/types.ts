// The policy's public shapes. policy.ts re-exports them: callers import from there.

export type PodSecurityLevel = 'baseline' | 'restricted';

export interface PodPolicy {
  /** The Pod Security Standards level enforced (POD_SECURITY), plus podferry's host-protection rules. */
  level: PodSecurityLevel;
  /** Named exceptions (POD_POLICY), each lifting one rule for a trusted tenant; sorted, unique. */
  exceptions: readonly string[];
  /** CSI drivers inline `csi` volumes may use (CSI_DRIVERS); empty means none. */
  csiDrivers: readonly string[];
}

export interface PolicyViolation {
  /** The rule's name, as POD_POLICY names it to lift it. */
  rule: string;
  /** The offending field, e.g. `spec.containers[1].securityContext.privileged`. */
  field: string;
  /** One actionable sentence: what is wrong, why the host refuses it, what to change. */
  message: string;
}

export type PolicyVerdict = { allowed: true } | { allowed: false; violations: PolicyViolation[]; reason: string };

/** Where a rule comes from: a Pod Security Standards level, or podferry's own host protection (every level). */
export type RuleOrigin = 'host' | 'baseline' | 'restricted';

export interface PolicyRule {
  /** The POD_POLICY exception name that lifts it; also PolicyViolation.rule. */
  name: string;
  /** `baseline` rules hold at both levels, `restricted` ones only at restricted, `host` ones always. */
  origin: RuleOrigin;
  /** The pod-security-admission check IDs it implements (empty for host rules). */
  upstream: readonly string[];
  /** One line for the README table. */
  summary: string;
}
