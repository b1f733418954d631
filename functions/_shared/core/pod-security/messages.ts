import { clip } from './read.js';
import type { PolicyViolation } from './types.js';

// The words of a denial. Every sentence has the same shape, so a user can act on it without the README:
// `<field> <what is wrong> (<which container or volume>): <why the host refuses it>; <what to change>`.

/** Why a host-protection or baseline rule refuses: the tenant shares the host with others. */
export const SHARED = 'pods in this virtual cluster run in a shared host namespace and';
/** Why a restricted rule refuses: the host admin chose that level for this virtual cluster. */
export const RESTRICTED = "the host runs this virtual cluster's pods at the restricted Pod Security Standard, which";

/** A tenant string, quoted (JSON style, as Go's %q prints ASCII) and bounded. */
export function q(s: string): string {
  return JSON.stringify(clip(s));
}

export const who = (name: string): string => `container ${q(name)}`;

/** `a, b and c` */
export function listing(items: readonly string[], last = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

// "Spec order": pod-wide settings first, then volumes, then containers in visit order, then placement,
// each list by index; violations of one container keep the order of the rules. Fields not named here
// sort last, in the order they were found.
const FIELD_ORDER = [
  'spec', 'metadata', 'spec.hostNetwork', 'spec.hostPID', 'spec.hostIPC', 'spec.hostUsers', 'spec.os',
  'spec.securityContext', 'spec.volumes', 'spec.initContainers', 'spec.containers', 'spec.ephemeralContainers',
  'spec.runtimeClassName', 'spec.schedulerName', 'spec.nodeSelector', 'spec.affinity', 'spec.tolerations',
];

function orderKey(field: string): [number, number] {
  const m = /^(spec|metadata)(?:\.([A-Za-z]+))?(?:\[(\d+)\])?/.exec(field);
  if (!m) return [FIELD_ORDER.length, -1];
  let rank = FIELD_ORDER.indexOf(m[2] ? `${m[1]}.${m[2]}` : m[1]);
  if (rank < 0) rank = m[1] === 'metadata' ? FIELD_ORDER.indexOf('metadata') : FIELD_ORDER.length;
  return [rank, m[3] ? Number(m[3]) : -1];
}

/** Sorts in place into spec order; stable, so one field's violations keep the order they were found in. */
export function inSpecOrder(violations: PolicyViolation[]): PolicyViolation[] {
  const keys = new Map(violations.map((v) => [v, orderKey(v.field)]));
  return violations.sort((a, b) => {
    const [ra, ia] = keys.get(a)!;
    const [rb, ib] = keys.get(b)!;
    return ra - rb || ia - ib;
  });
}
