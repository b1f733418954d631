import { isIP } from 'node:net';
import type { V1EnvVar, V1PodSpec } from '@kubernetes/client-node';

// Pointing in-cluster clients at the virtual API server (vCluster: pods/translate/envvars.go, translator.go).
// The kubelet always injects the host's KUBERNETES_* variables; explicit container env wins over them, so the
// virtual API server's address (as host pods reach it) is written into every container, and the
// kubernetes.default names resolve to it. vCluster's address is its Service's ClusterIP on 443; podferry's is configured
// (VIRTUAL_API_SERVICE_HOST / _PORT), and may be a DNS name, which then gets no hostAliases entry.

export function kubernetesEnv(kubeIP: string, port = 443): V1EnvVar[] {
  const url = `tcp://${kubeIP}:${port}`;
  const p = String(port);
  return [
    { name: 'KUBERNETES_PORT', value: url },
    { name: `KUBERNETES_PORT_${p}_TCP`, value: url },
    { name: `KUBERNETES_PORT_${p}_TCP_ADDR`, value: kubeIP },
    { name: `KUBERNETES_PORT_${p}_TCP_PORT`, value: p },
    { name: `KUBERNETES_PORT_${p}_TCP_PROTO`, value: 'tcp' },
    { name: 'KUBERNETES_SERVICE_HOST', value: kubeIP },
    { name: 'KUBERNETES_SERVICE_PORT', value: p },
    { name: 'KUBERNETES_SERVICE_PORT_HTTPS', value: p },
  ];
}

/** Prepends the variables (sorted, so `$(VAR)` references resolve) unless a container defines the name. */
export function pointAtVirtualApi(spec: V1PodSpec, kubeIP: string, clusterDomain: string, port = 443): void {
  const env = kubernetesEnv(kubeIP, port);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const own = new Set((c.env ?? []).map((e) => e.name));
    c.env = [...env.filter((e) => !own.has(e.name)), ...(c.env ?? [])];
  }
  if (isIP(kubeIP) === 0) return; // a host alias needs an address
  spec.hostAliases = [
    ...(spec.hostAliases ?? []),
    { ip: kubeIP, hostnames: [`kubernetes.default.svc.${clusterDomain}`, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'] },
  ];
}
