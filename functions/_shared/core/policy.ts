import { referenceViolations } from './reference-policy.js';

// What a host must not run on behalf of a tenant: one policy, evaluated by the webhook (an early, friendly
// refusal) and by the worker before every host write (the defence). vCluster copies these fields unchanged
// (facts 3.7); podferry refuses them, listing every violation with its field path and what to change.

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

export const DEFAULT_POD_POLICY: Readonly<PodPolicy> = Object.freeze({ level: 'baseline', exceptions: Object.freeze([]), csiDrivers: Object.freeze([]) });

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';

/** The exception names POD_POLICY accepts, each lifting the rule of the same name. */
export const POLICY_EXCEPTIONS: readonly string[] = Object.freeze(['hostNetwork', 'hostPID', 'hostIPC', 'privileged', 'hostPath', 'hostPorts']);

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
    if (!POLICY_EXCEPTIONS.includes(item)) throw new Error(`unknown pod policy exception "${item}"; expected a comma list of ${POLICY_EXCEPTIONS.join(', ')} (or none)`);
  }
  return { level, exceptions, csiDrivers: list(input.csiDrivers) };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Every rule the pod breaks, in spec order. Total over any input: a tenant controls the object, so a field
 * of the wrong type is a violation, never an exception.
 */
export function evaluatePodPolicy(pod: unknown, policy: PodPolicy): PolicyVerdict {
  const violations: PolicyViolation[] = [];
  const on = (rule: string) => !policy.exceptions.includes(rule);
  const add = (rule: string, field: string, message: string) => { if (on(rule)) violations.push({ rule, field, message }); };
  const spec = isObj(pod) ? pod.spec : undefined;
  if (spec === undefined || spec === null) return { allowed: true };
  if (!isObj(spec)) return verdict([{ rule: 'malformed', field: 'spec', message: 'spec is not an object' }]);
  const malformed = malformedLists(spec);
  if (malformed.length > 0) return verdict(malformed);
  if (spec.hostNetwork === true) add('hostNetwork', 'spec.hostNetwork', `spec.hostNetwork is true: ${SHARED} may not use the host's network; remove hostNetwork`);
  if (spec.hostPID === true) add('hostPID', 'spec.hostPID', `spec.hostPID is true: ${SHARED} may not see the host's processes; remove hostPID`);
  if (spec.hostIPC === true) add('hostIPC', 'spec.hostIPC', `spec.hostIPC is true: ${SHARED} may not share the host's IPC namespace; remove hostIPC`);
  for (const [i, v] of arr(spec.volumes).entries()) {
    if (isObj(v) && isObj(v.hostPath)) {
      const field = `spec.volumes[${i}].hostPath`;
      add('hostPath', field, `${field} is set (volume "${String(v.name)}", path "${String(v.hostPath.path)}"): ${SHARED} may not mount directories of the host's nodes; use an emptyDir, configMap, secret or persistentVolumeClaim volume instead`);
    }
  }
  for (const kind of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const [i, c] of arr(spec[kind]).entries()) {
      if (!isObj(c)) continue;
      const sc = isObj(c.securityContext) ? c.securityContext : {};
      if (sc.privileged === true) {
        const field = `spec.${kind}[${i}].securityContext.privileged`;
        add('privileged', field, `${field} is true (container "${String(c.name)}"): ${SHARED} may not run privileged containers on the host's nodes; remove privileged or set it to false`);
      }
      for (const [p, port] of arr(c.ports).entries()) {
        if (isObj(port) && port.hostPort !== undefined && port.hostPort !== null && port.hostPort !== 0) {
          const field = `spec.${kind}[${i}].ports[${p}].hostPort`;
          add('hostPorts', field, `${field} is ${String(port.hostPort)} (container "${String(c.name)}"): ${SHARED} may not bind ports on the host's nodes; remove hostPort and expose the port through a Service`);
        }
      }
    }
  }
  violations.push(...referenceViolations(spec));
  return verdict(violations);
}

/** Lists the policy walks must be lists of objects; anything else is refused before any rule is read. */
function malformedLists(spec: Obj): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const key of ['volumes', 'initContainers', 'containers', 'ephemeralContainers', 'tolerations'] as const) {
    const v = spec[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) out.push({ rule: 'malformed', field: `spec.${key}`, message: `spec.${key} is not a list` });
    else v.forEach((item, i) => { if (!isObj(item)) out.push({ rule: 'malformed', field: `spec.${key}[${i}]`, message: `spec.${key}[${i}] is not an object` }); });
  }
  return out;
}

function verdict(violations: PolicyViolation[]): PolicyVerdict {
  if (violations.length === 0) return { allowed: true };
  return { allowed: false, violations, reason: policyReason(violations) };
}

/** The one sentence a user sees, in the webhook's denial and in the worker's SyncError event alike. */
export function policyReason(violations: readonly PolicyViolation[]): string {
  const head = violations.length === 1 ? 'the pod breaks 1 rule of the host policy' : `the pod breaks ${violations.length} rules of the host policy`;
  return `${head}: ${violations.map((v) => v.message).join('; ')}`;
}
