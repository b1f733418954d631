// The Node object a simulated kubelet registers, shaped like a kind node's: labels, Ready and pressure
// conditions, addresses, capacity, nodeInfo and its podCIDR slice.
import { nodePodCidr } from './pod-ip.js';
import type { KubeObject } from './types.js';

export const KUBELET_VERSION = 'v1.32.2';

export const nodeName = (index: number) => `sim-node-${index}`;

/** kind puts its first node on 172.18.0.2; the simulated nodes follow on. */
export const nodeInternalIP = (index: number) => `172.18.0.${index + 1}`;

export function nodeObject(index: number, clusterCidr: string, now: Date, maxPods = 110): KubeObject {
  const name = nodeName(index);
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const podCIDR = nodePodCidr(clusterCidr, index);
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type, status, lastHeartbeatTime: stamp, lastTransitionTime: stamp, reason, message,
  });
  const resources = { cpu: '8', memory: '32863332Ki', pods: String(maxPods), 'ephemeral-storage': '102626232Ki', 'hugepages-2Mi': '0' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR, podCIDRs: [podCIDR], providerID: `kind://docker/sim/${name}` },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [{ type: 'InternalIP', address: nodeInternalIP(index) }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: `sim${String(index).padStart(29, '0')}`,
        systemUUID: `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`,
        bootID: `00000000-0000-0000-0001-${String(index).padStart(12, '0')}`,
        kernelVersion: '6.8.0-sim',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://2.0.2',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [],
    },
  };
}
