import type { Check } from './check.js';
import { confinementChecks } from './confinement.js';
import { hostAccessChecks } from './host-access.js';
import { inSpecOrder } from './messages.js';
import { placementChecks } from './placement.js';
import { podView } from './pod-view.js';
import { privilegeChecks } from './privilege.js';
import { Fields, type Obj } from './read.js';
import type { PodPolicy, PolicyRule, PolicyViolation } from './types.js';
import { userChecks } from './users.js';
import { volumeChecks } from './volumes.js';

// Every rule, in the order POD_POLICY lists them and a container's violations are reported: the six names
// POD_POLICY has always had, then the rest of baseline, restricted, and podferry's host protection.
// Mirrors pod-security-admission v0.36.2 (Kubernetes 1.36), where `latest` evaluates policy v1.35.
//
// Considered and left out: spec.nodeName and priorityClassName (the translator drops them); pinning to a
// worker node by kubernetes.io/hostname or matchFields metadata.name (placement among the nodes tenants
// may use; taints and node roles mark the others); tolerations of other taints, e.g. dedicated=x (only
// the admin knows which are reserved: an allowlist would be the next step); the seccomp alpha annotations
// (ignored upstream from policy v1.19 and by kubelets from 1.27); runAsGroup, fsGroup and
// supplementalGroups 0 (not checked upstream); dnsConfig nameservers and hostAliases (network reach is
// NetworkPolicy's job); claim names, resourceClaims and CSI volumeAttributes (translated or refused by
// the reference rewrite, not by this policy); master's v1.37 sysctls (in no release yet).

const ORDER = [
  'hostNetwork', 'hostPID', 'hostIPC', 'privileged', 'hostPath', 'hostPorts',
  'capabilities', 'procMount', 'appArmor', 'seLinux', 'seccomp', 'sysctls', 'hostProbes', 'windowsHostProcess',
  'allowPrivilegeEscalation', 'runAsNonRoot', 'runAsUser',
  'volumeTypes', 'csiDrivers', 'projectedSources', 'tolerations', 'controlPlaneNodes', 'runtimeClass', 'schedulerName',
] as const;

const byName = new Map<string, Check>([...hostAccessChecks, ...privilegeChecks, ...confinementChecks, ...userChecks, ...volumeChecks, ...placementChecks].map((c) => [c.name, c]));
const CHECKS: readonly Check[] = ORDER.map((name) => {
  const check = byName.get(name);
  if (!check) throw new Error(`pod policy rule ${name} has no check`);
  return check;
});
if (byName.size !== CHECKS.length) throw new Error('a pod policy check is missing from the rule order');

/** The rule a type-confused field breaks; never lifted. */
export const MALFORMED = 'malformed';

/** Every rule, with its origin, the upstream check IDs it implements and one line for the README. */
export const POD_POLICY_RULES: readonly PolicyRule[] = Object.freeze(CHECKS.map(({ name, origin, upstream, summary }) => Object.freeze({ name, origin, upstream, summary })));

/** The exception names POD_POLICY accepts, each lifting the rule of the same name. */
export const POLICY_EXCEPTIONS: readonly string[] = Object.freeze(CHECKS.map((c) => c.name));

/** Every violation of `spec` (an object) under `policy`, lifted rules left out, in spec order. */
export function findViolations(pod: Obj, spec: Obj, policy: PodPolicy): PolicyViolation[] {
  const read = new Fields();
  const view = podView(pod, spec, read);
  const out: PolicyViolation[] = [];
  for (const check of CHECKS) {
    if (check.origin === 'restricted' && policy.level !== 'restricted') continue;
    // A lifted rule still runs: the fields it reads must have the right type all the same.
    const lifted = policy.exceptions.includes(check.name);
    check.run({ pod: view, read, policy, report: (field, message) => { if (!lifted) out.push({ rule: check.name, field, message }); } });
  }
  for (const [field, message] of read.malformed()) out.push({ rule: MALFORMED, field, message });
  return inSpecOrder(out);
}
