import { scPath, type Check } from './check.js';
import { RESTRICTED, SHARED, listing, q, who } from './messages.js';

// What a container may do as root on the node's kernel: psa v0.36.2 check_privileged.go,
// check_capabilities_baseline.go and check_capabilities_restricted.go (one rule: restricted replaces the
// baseline check from policy v1.22, passes Windows pods from v1.25), check_allowPrivilegeEscalation.go
// (v1.25: Windows pods pass), check_procMount_baseline.go (v1.35: any value with hostUsers: false) and
// check_procMount_restricted.go (v1.35: no such relaxation at restricted). Capability names match exactly,
// as upstream: no CAP_ prefix stripping, no case folding.

const privileged: Check = {
  name: 'privileged', origin: 'baseline', upstream: ['privileged'],
  summary: 'securityContext.privileged must be unset or false in every container.',
  run({ pod, read, report }) {
    for (const c of pod.containers) {
      if (read.bool(c.securityContext, 'privileged', scPath(c.path)) === true) {
        const field = `${scPath(c.path)}.privileged`;
        report(field, `${field} is true (${who(c.name)}): ${SHARED} may not run privileged containers on the host's nodes; remove privileged or set it to false`);
      }
    }
  },
};

/** The capabilities a container runtime grants by default (psa capabilities_allowed_1_0). */
export const BASELINE_CAPABILITIES: readonly string[] = Object.freeze([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP',
  'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
const BASELINE_SET = new Set(BASELINE_CAPABILITIES);

const capabilities: Check = {
  name: 'capabilities', origin: 'baseline', upstream: ['capabilities_baseline', 'capabilities_restricted'],
  summary: 'Baseline: capabilities.add only from the 13 runtime defaults. Restricted: capabilities.drop must include ALL and add only NET_BIND_SERVICE (Windows pods exempt).',
  run({ pod, read, report, policy }) {
    const restricted = policy.level === 'restricted';
    if (restricted && pod.windows) return;
    for (const c of pod.containers) {
      const path = `${scPath(c.path)}.capabilities`;
      const caps = read.obj(c.securityContext, 'capabilities', scPath(c.path));
      const drop = read.strings(caps, 'drop', path);
      if (restricted && !drop.some((d) => d.value === 'ALL')) {
        const field = `${path}.drop`;
        report(field, `${field} does not include "ALL" (${who(c.name)}): ${RESTRICTED} requires every container to drop all capabilities; set capabilities.drop: ["ALL"]`);
      }
      for (const { value, path: field } of read.strings(caps, 'add', path)) {
        if (restricted && value !== 'NET_BIND_SERVICE') {
          report(field, `${field} is ${q(value)} (${who(c.name)}): ${RESTRICTED} allows adding only NET_BIND_SERVICE; remove ${q(value)} from capabilities.add`);
        } else if (!restricted && !BASELINE_SET.has(value)) {
          report(field, `${field} is ${q(value)} (${who(c.name)}): ${SHARED} may add only the capabilities a container runtime grants by default (${listing(BASELINE_CAPABILITIES)}); remove ${q(value)} from capabilities.add`);
        }
      }
    }
  },
};

const allowPrivilegeEscalation: Check = {
  name: 'allowPrivilegeEscalation', origin: 'restricted', upstream: ['allowPrivilegeEscalation'],
  summary: 'securityContext.allowPrivilegeEscalation must be false in every container (Windows pods exempt).',
  run({ pod, read, report }) {
    if (pod.windows) return;
    for (const c of pod.containers) {
      const field = `${scPath(c.path)}.allowPrivilegeEscalation`;
      const value = read.bool(c.securityContext, 'allowPrivilegeEscalation', scPath(c.path));
      if (value !== false) {
        report(field, `${field} ${value === true ? 'is true' : 'is not set'} (${who(c.name)}): ${RESTRICTED} requires every container to refuse privilege escalation (setuid binaries, file capabilities); set allowPrivilegeEscalation: false`);
      }
    }
  },
};

const procMount: Check = {
  name: 'procMount', origin: 'baseline', upstream: ['procMount', 'procMount_restricted'],
  summary: 'securityContext.procMount must be unset or Default (baseline allows any value with hostUsers: false; restricted does not).',
  run({ pod, read, report, policy }) {
    if (policy.level === 'baseline' && pod.userNamespace) return;
    for (const c of pod.containers) {
      const value = read.str(c.securityContext, 'procMount', scPath(c.path));
      if (value !== undefined && value !== 'Default') {
        const field = `${scPath(c.path)}.procMount`;
        report(field, `${field} is ${q(value)} (${who(c.name)}): ${SHARED} may not unmask /proc, which exposes the node kernel's interfaces; remove procMount or set it to "Default"`);
      }
    }
  },
};

export const privilegeChecks: readonly Check[] = [privileged, capabilities, allowPrivilegeEscalation, procMount];
