import type { V1Container, V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';

// What a host must not run on behalf of a tenant. vCluster copies these fields unchanged (facts 3.7);
// podferry refuses them at admission, with a sentence the user can act on, and the field path.

export type PodPolicy = {
  denyHostNetwork: boolean;
  denyHostPID: boolean;
  denyHostIPC: boolean;
  denyPrivileged: boolean;
  denyHostPath: boolean;
  denyHostPorts: boolean;
};

export type PolicyVerdict = { allowed: true } | { allowed: false; reason: string; field: string };

export const DEFAULT_POD_POLICY: Readonly<PodPolicy> = Object.freeze({
  denyHostNetwork: true,
  denyHostPID: true,
  denyHostIPC: true,
  denyPrivileged: true,
  denyHostPath: true,
  denyHostPorts: true,
});

/** The exception names accepted by parsePodPolicy, each lifting one rule. */
export const POLICY_EXCEPTIONS: Readonly<Record<string, keyof PodPolicy>> = Object.freeze({
  hostNetwork: 'denyHostNetwork',
  hostPID: 'denyHostPID',
  hostIPC: 'denyHostIPC',
  privileged: 'denyPrivileged',
  hostPath: 'denyHostPath',
  hostPorts: 'denyHostPorts',
});

/**
 * POD_POLICY is a comma list of allowed exceptions, e.g. `hostPath,hostPorts`; every rule not named stays
 * denied. Unset, empty or `none` means the default (everything denied). Names are case-sensitive, as in
 * the pod spec; an unknown name throws so a typo never silently loosens or tightens the policy.
 */
export function parsePodPolicy(env: string | undefined): PodPolicy {
  const policy: PodPolicy = { ...DEFAULT_POD_POLICY };
  const items = (env ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 1 && items[0] === 'none') return policy;
  for (const item of items) {
    const rule = POLICY_EXCEPTIONS[item];
    if (!rule) throw new Error(`unknown pod policy exception "${item}"; expected a comma list of ${Object.keys(POLICY_EXCEPTIONS).join(', ')} (or none)`);
    policy[rule] = false;
  }
  return policy;
}

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';

function deny(field: string, reason: string): PolicyVerdict {
  return { allowed: false, field, reason };
}

type AnyContainer = V1Container | V1EphemeralContainer;

function containerLists(pod: V1Pod): Array<[string, AnyContainer[]]> {
  return [
    ['initContainers', pod.spec?.initContainers ?? []],
    ['containers', pod.spec?.containers ?? []],
    ['ephemeralContainers', pod.spec?.ephemeralContainers ?? []],
  ];
}

/** The first rule the pod breaks, in spec order: pod-level fields, volumes, then each container kind. */
export function evaluatePodPolicy(pod: V1Pod, policy: PodPolicy): PolicyVerdict {
  const spec = pod.spec;
  if (!spec) return { allowed: true };
  if (policy.denyHostNetwork && spec.hostNetwork) {
    return deny('spec.hostNetwork', `spec.hostNetwork is true: ${SHARED} may not use the host's network; remove hostNetwork`);
  }
  if (policy.denyHostPID && spec.hostPID) {
    return deny('spec.hostPID', `spec.hostPID is true: ${SHARED} may not see the host's processes; remove hostPID`);
  }
  if (policy.denyHostIPC && spec.hostIPC) {
    return deny('spec.hostIPC', `spec.hostIPC is true: ${SHARED} may not share the host's IPC namespace; remove hostIPC`);
  }
  if (policy.denyHostPath) {
    const i = (spec.volumes ?? []).findIndex((v) => v.hostPath);
    if (i >= 0) {
      const v = spec.volumes![i];
      const field = `spec.volumes[${i}].hostPath`;
      return deny(field, `${field} is set (volume "${v.name}", path "${v.hostPath!.path}"): ${SHARED} may not mount directories of the host's nodes; use an emptyDir, configMap, secret or persistentVolumeClaim volume instead`);
    }
  }
  for (const [kind, list] of containerLists(pod)) {
    for (const [i, c] of list.entries()) {
      if (policy.denyPrivileged && c.securityContext?.privileged) {
        const field = `spec.${kind}[${i}].securityContext.privileged`;
        return deny(field, `${field} is true (container "${c.name}"): ${SHARED} may not run privileged containers on the host's nodes; remove privileged or set it to false`);
      }
      if (policy.denyHostPorts) {
        const p = (c.ports ?? []).findIndex((port) => port.hostPort !== undefined && port.hostPort !== 0);
        if (p >= 0) {
          const field = `spec.${kind}[${i}].ports[${p}].hostPort`;
          return deny(field, `${field} is ${c.ports![p].hostPort} (container "${c.name}"): ${SHARED} may not bind ports on the host's nodes; remove hostPort and expose the port through a Service`);
        }
      }
    }
  }
  return { allowed: true };
}
