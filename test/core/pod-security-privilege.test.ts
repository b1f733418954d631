import t from 'tap';
import { container, pod, runTable } from '../helpers/pod-policy-table.js';

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';
const RESTRICTED = "the host runs this virtual cluster's pods at the restricted Pod Security Standard, which";
const caps = (add: string[] | undefined, drop: string[] | undefined = ['ALL']) => ({ capabilities: { ...(add ? { add } : {}), ...(drop ? { drop } : {}) } });
const windows = { os: { name: 'windows' } };

runTable(t, [
  // privileged
  { when: 'privileged is false', pod: pod({ containers: [container('app', { privileged: false })] }) },
  { when: 'an ephemeral container is privileged', pod: pod({ ephemeralContainers: [container('debugger', { privileged: true })] }), deny: [
    ['privileged', 'spec.ephemeralContainers[0].securityContext.privileged', `spec.ephemeralContainers[0].securityContext.privileged is true (container "debugger"): ${SHARED} may not run privileged containers on the host's nodes; remove privileged or set it to false`],
  ] },

  // capabilities_baseline
  { when: 'a container adds all 13 default capabilities', at: ['baseline'], pod: pod({ containers: [container('app', caps(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'], undefined))] }) },
  { when: 'containers add NET_RAW, SYS_ADMIN and a CAP_-prefixed or lower-case default', at: ['baseline'], pod: pod({ containers: [container('a', caps(['CHOWN', 'NET_RAW'])), container('b', caps(['SYS_ADMIN', 'CAP_CHOWN', 'kill']))] }), deny: [
    ['capabilities', 'spec.containers[0].securityContext.capabilities.add[1]', new RegExp(`^spec\\.containers\\[0\\]\\.securityContext\\.capabilities\\.add\\[1\\] is "NET_RAW" \\(container "a"\\): ${SHARED} may add only the capabilities a container runtime grants by default \\(AUDIT_WRITE, CHOWN, .* SETUID and SYS_CHROOT\\); remove "NET_RAW" from capabilities\\.add$`)],
    ['capabilities', 'spec.containers[1].securityContext.capabilities.add[0]', /is "SYS_ADMIN"/],
    ['capabilities', 'spec.containers[1].securityContext.capabilities.add[1]', /is "CAP_CHOWN"/],
    ['capabilities', 'spec.containers[1].securityContext.capabilities.add[2]', /is "kill"/],
  ] },
  { when: 'add is a string, not a list', at: ['baseline'], pod: pod({ containers: [container('a', { capabilities: { add: 'SYS_ADMIN' } })] }), deny: [
    ['malformed', 'spec.containers[0].securityContext.capabilities.add', 'spec.containers[0].securityContext.capabilities.add is not a list'],
  ] },

  // capabilities_restricted
  { when: 'a container drops ALL and adds NET_BIND_SERVICE', pod: pod({ containers: [container('app', caps(['NET_BIND_SERVICE']))] }) },
  { when: 'a container sets no capabilities', at: ['restricted'], pod: pod({ containers: [container('app', { capabilities: undefined })] }), deny: [
    ['capabilities', 'spec.containers[0].securityContext.capabilities.drop', `spec.containers[0].securityContext.capabilities.drop does not include "ALL" (container "app"): ${RESTRICTED} requires every container to drop all capabilities; set capabilities.drop: ["ALL"]`],
  ] },
  { when: 'a container sets no capabilities at baseline', at: ['baseline'], pod: pod({ containers: [container('app', { capabilities: undefined })] }) },
  { when: 'a container drops only NET_RAW and adds CHOWN', at: ['restricted'], pod: pod({ containers: [container('app', caps(['CHOWN'], ['NET_RAW']))] }), deny: [
    ['capabilities', 'spec.containers[0].securityContext.capabilities.drop'],
    ['capabilities', 'spec.containers[0].securityContext.capabilities.add[0]', `spec.containers[0].securityContext.capabilities.add[0] is "CHOWN" (container "app"): ${RESTRICTED} allows adding only NET_BIND_SERVICE; remove "CHOWN" from capabilities.add`],
  ] },
  { when: 'a Windows pod sets no capabilities', at: ['restricted'], pod: pod({ ...windows, containers: [container('app', { capabilities: undefined })] }) },
  { when: 'a Windows pod adds SYS_ADMIN', at: ['baseline'], pod: pod({ ...windows, containers: [container('app', caps(['SYS_ADMIN']))] }), deny: [
    ['capabilities', 'spec.containers[0].securityContext.capabilities.add[0]'],
  ] },

  // allowPrivilegeEscalation
  { when: 'allowPrivilegeEscalation is unset or true', at: ['restricted'], pod: pod({ initContainers: [container('init', { allowPrivilegeEscalation: undefined })], containers: [container('app', { allowPrivilegeEscalation: true })] }), deny: [
    ['allowPrivilegeEscalation', 'spec.initContainers[0].securityContext.allowPrivilegeEscalation', `spec.initContainers[0].securityContext.allowPrivilegeEscalation is not set (container "init"): ${RESTRICTED} requires every container to refuse privilege escalation (setuid binaries, file capabilities); set allowPrivilegeEscalation: false`],
    ['allowPrivilegeEscalation', 'spec.containers[0].securityContext.allowPrivilegeEscalation', /is true \(container "app"\)/],
  ] },
  { when: 'allowPrivilegeEscalation is true at baseline', at: ['baseline'], pod: pod({ containers: [container('app', { allowPrivilegeEscalation: true })] }) },
  { when: 'a Windows pod leaves allowPrivilegeEscalation unset', at: ['restricted'], pod: pod({ ...windows, containers: [container('app', { allowPrivilegeEscalation: undefined })] }) },

  // procMount (baseline) and procMount_restricted
  { when: 'procMount is Default', pod: pod({ containers: [container('app', { procMount: 'Default' })] }) },
  { when: 'procMount is Unmasked', pod: pod({ containers: [container('app', { procMount: 'Unmasked' })] }), deny: [
    ['procMount', 'spec.containers[0].securityContext.procMount', `spec.containers[0].securityContext.procMount is "Unmasked" (container "app"): ${SHARED} may not unmask /proc, which exposes the node kernel's interfaces; remove procMount or set it to "Default"`],
  ] },
  { when: 'procMount is Unmasked in a user namespace', at: ['baseline'], pod: pod({ hostUsers: false, containers: [container('app', { procMount: 'Unmasked' })] }) },
  { when: 'procMount is Unmasked in a user namespace at restricted', at: ['restricted'], pod: pod({ hostUsers: false, containers: [container('app', { procMount: 'Unmasked' })] }), deny: [
    ['procMount', 'spec.containers[0].securityContext.procMount'],
  ] },
  { when: 'procMount is Unmasked with hostUsers true', at: ['baseline'], pod: pod({ hostUsers: true, containers: [container('app', { procMount: 'Unmasked' })] }), deny: [
    ['procMount', 'spec.containers[0].securityContext.procMount'],
  ] },
]);
