import t from 'tap';
import { container, pod, runTable } from '../helpers/pod-policy-table.js';

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';
const RESTRICTED = "the host runs this virtual cluster's pods at the restricted Pod Security Standard, which";
const APPARMOR = 'container.apparmor.security.beta.kubernetes.io';
const windows = { os: { name: 'windows' } };

runTable(t, [
  // appArmorProfile: fields
  { when: 'AppArmor profiles are RuntimeDefault and Localhost', pod: pod({ containers: [container('app', { appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' } })] }, { appArmorProfile: { type: 'RuntimeDefault' } }) },
  { when: 'the pod and a container are Unconfined or typeless', pod: pod({ containers: [container('a', { appArmorProfile: { type: 'Unconfined' } }), container('b', { appArmorProfile: {} })] }, { appArmorProfile: { type: 'Unconfined' } }), deny: [
    ['appArmor', 'spec.securityContext.appArmorProfile.type', `spec.securityContext.appArmorProfile.type is "Unconfined": ${SHARED} must run confined by AppArmor; set type to RuntimeDefault or Localhost, or remove appArmorProfile`],
    ['appArmor', 'spec.containers[0].securityContext.appArmorProfile.type', /is "Unconfined" \(container "a"\)/],
    ['appArmor', 'spec.containers[1].securityContext.appArmorProfile.type', /is not set \(container "b"\)/],
  ] },
  // appArmorProfile: annotations
  { when: 'AppArmor annotations name runtime/default, a localhost profile or nothing', pod: pod({}, {}, { annotations: { [`${APPARMOR}/app`]: 'runtime/default', [`${APPARMOR}/b`]: 'localhost/foo', [`${APPARMOR}/c`]: '', other: 'unconfined' } }) },
  { when: 'AppArmor annotations say unconfined, even without a container name', pod: pod({}, {}, { annotations: { [`${APPARMOR}/app`]: 'unconfined', [APPARMOR + '/']: 'bogus' } }), deny: [
    ['appArmor', `metadata.annotations[${APPARMOR}/]`, /is "bogus"/],
    ['appArmor', `metadata.annotations[${APPARMOR}/app]`, `metadata.annotations[${APPARMOR}/app] is "unconfined": ${SHARED} must run confined by AppArmor; set the annotation to runtime/default or localhost/<profile>, or remove it`],
  ] },
  { when: 'annotations are a list', pod: pod({}, {}, { annotations: ['x'] }), deny: [['malformed', 'metadata.annotations', 'metadata.annotations is not an object']] },
  { when: 'an annotation value is a number', pod: pod({}, {}, { annotations: { [`${APPARMOR}/app`]: 1 } }), deny: [['malformed', `metadata.annotations[${APPARMOR}/app]`, /is not a string$/]] },

  // seLinuxOptions
  { when: 'SELinux types are the container ones and level is set', pod: pod({ containers: [container('a', { seLinuxOptions: { type: 'container_engine_t', level: 's0:c1' } }), container('b', { seLinuxOptions: { type: '' } })] }, { seLinuxOptions: { type: 'container_t' } }) },
  { when: 'SELinux sets spc_t, a user and a role', pod: pod({ containers: [container('a', { seLinuxOptions: { user: 'system_u', role: 'system_r' } })] }, { seLinuxOptions: { type: 'spc_t' } }), deny: [
    ['seLinux', 'spec.securityContext.seLinuxOptions.type', `spec.securityContext.seLinuxOptions.type is "spc_t": ${SHARED} may use only the container SELinux types (container_t, container_init_t, container_kvm_t and container_engine_t), since others reach the node's files and processes; use one of them or remove type`],
    ['seLinux', 'spec.containers[0].securityContext.seLinuxOptions.user', /is "system_u" \(container "a"\).*remove user$/],
    ['seLinux', 'spec.containers[0].securityContext.seLinuxOptions.role', /remove role$/],
  ] },

  // seccompProfile_baseline
  { when: 'the pod sets no seccomp profile', at: ['baseline'], pod: pod({}, { seccompProfile: undefined }) },
  { when: 'seccomp is Unconfined on the pod and a container, and typeless on another', pod: pod({ containers: [container('a', { seccompProfile: { type: 'Unconfined' } }), container('b', { seccompProfile: {} })] }, { seccompProfile: { type: 'Unconfined' } }), deny: [
    ['seccomp', 'spec.securityContext.seccompProfile.type', `spec.securityContext.seccompProfile.type is "Unconfined": ${SHARED} must run with a seccomp profile, which limits the kernel calls a container can make on the node; set type to RuntimeDefault or Localhost (containers without their own profile inherit it)`],
    ['seccomp', 'spec.containers[0].securityContext.seccompProfile.type', /is "Unconfined" \(container "a"\)/],
    ['seccomp', 'spec.containers[1].securityContext.seccompProfile.type', /is not set \(container "b"\)/],
  ] },
  { when: 'seccomp profiles are old annotations only', at: ['baseline'], pod: pod({}, { seccompProfile: undefined }, { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }) },

  // seccompProfile_restricted
  { when: 'only containers set a seccomp profile', pod: pod({ containers: [container('a', { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } })] }, { seccompProfile: undefined }) },
  { when: 'neither the pod nor one container sets a seccomp profile', at: ['restricted'], pod: pod({ containers: [container('a', { seccompProfile: { type: 'RuntimeDefault' } }), container('b')] }, { seccompProfile: undefined }), deny: [
    ['seccomp', 'spec.containers[1].securityContext.seccompProfile', `spec.containers[1].securityContext.seccompProfile is not set and neither is spec.securityContext.seccompProfile (container "b"): ${RESTRICTED} requires a seccomp profile for every container; set spec.securityContext.seccompProfile.type to RuntimeDefault (or Localhost)`],
  ] },
  { when: 'the pod is Unconfined and containers inherit it', at: ['restricted'], pod: pod({}, { seccompProfile: { type: 'Unconfined' } }), deny: [
    ['seccomp', 'spec.securityContext.seccompProfile.type'],
  ] },
  { when: 'a Windows pod sets no seccomp profile', at: ['restricted'], pod: pod(windows, { seccompProfile: undefined }) },

  // sysctls
  { when: 'sysctls are from the safe set', pod: pod({}, { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }, { name: 'kernel.shm_rmid_forced', value: '1' }] }) },
  { when: 'sysctls include unsafe, slash-spelled and newer-than-release names', pod: pod({}, { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.ip_local_port_range', value: '1 2' }, { name: 'net/ipv4/tcp_syncookies', value: '1' }, { name: 'net.ipv4.tcp_notsent_lowat', value: '1' }] }), deny: [
    ['sysctls', 'spec.securityContext.sysctls[0].name', /^spec\.securityContext\.sysctls\[0\]\.name is "kernel\.msgmax": pods in this virtual cluster .* may set only the sysctls that cannot affect the node or other pods \(kernel\.shm_rmid_forced, .* and net\.ipv4\.tcp_wmem\); remove it$/],
    ['sysctls', 'spec.securityContext.sysctls[2].name'],
    ['sysctls', 'spec.securityContext.sysctls[3].name'],
  ] },
]);
