import type { V1EnvVar, V1PodSpec } from '@kubernetes/client-node';

// Pointing in-cluster clients at the virtual API server (facts 3.2, 3.3). The kubelet always injects the
// host's KUBERNETES_* variables; explicit container env wins over them, so the virtual API server's
// service IP is written into every container, and the kubernetes.default names resolve to it.

export function kubernetesEnv(kubeIP: string): V1EnvVar[] {
  const url = `tcp://${kubeIP}:443`;
  return [
    { name: 'KUBERNETES_PORT', value: url },
    { name: 'KUBERNETES_PORT_443_TCP', value: url },
    { name: 'KUBERNETES_PORT_443_TCP_ADDR', value: kubeIP },
    { name: 'KUBERNETES_PORT_443_TCP_PORT', value: '443' },
    { name: 'KUBERNETES_PORT_443_TCP_PROTO', value: 'tcp' },
    { name: 'KUBERNETES_SERVICE_HOST', value: kubeIP },
    { name: 'KUBERNETES_SERVICE_PORT', value: '443' },
    { name: 'KUBERNETES_SERVICE_PORT_HTTPS', value: '443' },
  ];
}

/** Prepends the variables (sorted, so `$(VAR)` references resolve) unless a container defines the name. */
export function pointAtVirtualApi(spec: V1PodSpec, kubeIP: string, clusterDomain: string): void {
  const env = kubernetesEnv(kubeIP);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const own = new Set((c.env ?? []).map((e) => e.name));
    c.env = [...env.filter((e) => !own.has(e.name)), ...(c.env ?? [])];
  }
  spec.hostAliases = [
    ...(spec.hostAliases ?? []),
    { ip: kubeIP, hostnames: [`kubernetes.default.svc.${clusterDomain}`, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'] },
  ];
}
