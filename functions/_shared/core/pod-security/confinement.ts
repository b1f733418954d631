import { securityContexts, type Check } from './check.js';
import { RESTRICTED, SHARED, listing, q } from './messages.js';

// The kernel confinement a container keeps: psa v0.36.2 check_appArmorProfile.go (fields and the beta
// annotations), check_seLinuxOptions.go (v1.31 types), check_seccompProfile_baseline.go (v1.19+: fields
// only) and check_seccompProfile_restricted.go (one rule: restricted replaces baseline; v1.25: Windows
// pods pass), check_sysctls.go (v1.32 safe set; master's v1.37 additions are in no release yet).

const PROFILE_TYPES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

function shown(type: string | undefined): string {
  return type === undefined || type === '' ? 'not set' : q(type);
}

const appArmor: Check = {
  name: 'appArmor', origin: 'baseline', upstream: ['appArmorProfile'],
  summary: `appArmorProfile.type (pod and containers) must be RuntimeDefault or Localhost when set; ${APPARMOR_ANNOTATION}* annotations must be runtime/default or localhost/*.`,
  run(ctx) {
    const { read, report } = ctx;
    for (const annotation of read.stringMap(ctx.pod.metadata, 'annotations', 'metadata')) {
      const v = annotation.value;
      if (annotation.key.startsWith(APPARMOR_ANNOTATION) && v !== '' && v !== 'runtime/default' && !v.startsWith('localhost/')) {
        report(annotation.path, `${annotation.path} is ${q(v)}: ${SHARED} must run confined by AppArmor; set the annotation to runtime/default or localhost/<profile>, or remove it`);
      }
    }
    for (const s of securityContexts(ctx.pod)) {
      const profile = read.obj(s.sc, 'appArmorProfile', s.path);
      if (!profile) continue;
      const type = read.str(profile, 'type', `${s.path}.appArmorProfile`);
      if (!PROFILE_TYPES.has(type ?? '')) {
        const field = `${s.path}.appArmorProfile.type`;
        report(field, `${field} is ${shown(type)}${s.by}: ${SHARED} must run confined by AppArmor; set type to RuntimeDefault or Localhost, or remove appArmorProfile`);
      }
    }
  },
};

/** psa selinuxAllowedTypes1_31 ("" is allowed: the runtime's default). */
export const SELINUX_TYPES: readonly string[] = Object.freeze(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SELINUX_SET = new Set(['', ...SELINUX_TYPES]);

const seLinux: Check = {
  name: 'seLinux', origin: 'baseline', upstream: ['seLinuxOptions'],
  summary: `seLinuxOptions (pod and containers): type only ${listing(SELINUX_TYPES, 'or')}; user and role unset.`,
  run(ctx) {
    const { read, report } = ctx;
    for (const s of securityContexts(ctx.pod)) {
      const path = `${s.path}.seLinuxOptions`;
      const options = read.obj(s.sc, 'seLinuxOptions', s.path);
      const type = read.str(options, 'type', path);
      if (type !== undefined && !SELINUX_SET.has(type)) {
        report(`${path}.type`, `${path}.type is ${q(type)}${s.by}: ${SHARED} may use only the container SELinux types (${listing(SELINUX_TYPES)}), since others reach the node's files and processes; use one of them or remove type`);
      }
      for (const key of ['user', 'role'] as const) {
        const value = read.str(options, key, path);
        if (value) report(`${path}.${key}`, `${path}.${key} is ${q(value)}${s.by}: ${SHARED} may not choose an SELinux ${key}; remove ${key}`);
      }
    }
  },
};

const seccomp: Check = {
  name: 'seccomp', origin: 'baseline', upstream: ['seccompProfile_baseline', 'seccompProfile_restricted'],
  summary: 'seccompProfile.type (pod and containers) must not be Unconfined; restricted: RuntimeDefault or Localhost must be set on the pod or on every container (Windows pods exempt).',
  run(ctx) {
    const { read, report, pod } = ctx;
    const restricted = ctx.policy.level === 'restricted';
    if (restricted && pod.windows) return;
    let podProfile: 'unset' | 'valid' | 'invalid' = 'unset';
    for (const s of securityContexts(ctx.pod)) {
      const profile = read.obj(s.sc, 'seccompProfile', s.path);
      const field = `${s.path}.seccompProfile`;
      if (profile) {
        const type = read.str(profile, 'type', field);
        const valid = PROFILE_TYPES.has(type ?? '');
        if (s.by === '') podProfile = valid ? 'valid' : 'invalid';
        if (!valid) report(`${field}.type`, `${field}.type is ${shown(type)}${s.by}: ${SHARED} must run with a seccomp profile, which limits the kernel calls a container can make on the node; set type to RuntimeDefault or Localhost${s.by === '' ? ' (containers without their own profile inherit it)' : ''}`);
      } else if (restricted && s.by !== '' && podProfile === 'unset') {
        // Upstream's "implicit" case; when the pod's own profile is invalid, its violation says it all.
        report(field, `${field} is not set and neither is spec.securityContext.seccompProfile${s.by}: ${RESTRICTED} requires a seccomp profile for every container; set spec.securityContext.seccompProfile.type to RuntimeDefault (or Localhost)`);
      }
    }
  },
};

/** psa sysctlsAllowedV1Dot32: namespaced sysctls that cannot affect the node or other pods. */
export const SAFE_SYSCTLS: readonly string[] = Object.freeze([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);
const SAFE_SYSCTL_SET = new Set(SAFE_SYSCTLS);

const sysctls: Check = {
  name: 'sysctls', origin: 'baseline', upstream: ['sysctls'],
  summary: 'spec.securityContext.sysctls may name only the safe set (the 12 of policy v1.32).',
  run({ pod, read, report }) {
    for (const { item, path } of read.objects(pod.securityContext, 'sysctls', 'spec.securityContext')) {
      const name = read.str(item, 'name', path);
      if (name !== undefined && !SAFE_SYSCTL_SET.has(name)) {
        report(`${path}.name`, `${path}.name is ${q(name)}: ${SHARED} may set only the sysctls that cannot affect the node or other pods (${listing(SAFE_SYSCTLS)}); remove it`);
      }
    }
  },
};

export const confinementChecks: readonly Check[] = [appArmor, seLinux, seccomp, sysctls];
