import type { V1Node } from '@kubernetes/client-node';

// The Node a virtual pod is bound to: named after the host node the host pod runs on, as vCluster's fake
// node syncer does (facts section 6), so `kubectl get pods -o wide` in the virtual cluster shows the real
// node name. Capacity is nominal: nothing schedules against it, the host scheduler already placed the pod.

export const FAKE_NODE_LABEL = 'vcluster.loft.sh/fake-node';

/** `internalIP`: the host node's address (the host pod's hostIP), so the node has the InternalIP every node has. */
export function virtualNodeFor(hostNodeName: string, now: Date, internalIP?: string): V1Node {
  const heartbeat = now;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: hostNodeName,
      labels: {
        [FAKE_NODE_LABEL]: 'true',
        'kubernetes.io/hostname': `fake-${hostNodeName}`,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
    spec: {},
    status: {
      capacity: { cpu: '16', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '16', memory: '32Gi', pods: '110' },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'podferry fake node', lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat },
      ],
      addresses: [
        ...(internalIP ? [{ type: 'InternalIP', address: internalIP }] : []),
        { type: 'Hostname', address: `${hostNodeName.replaceAll('.', '-')}.nodes.podferry.local` },
      ],
      nodeInfo: {
        architecture: 'amd64', bootID: '', containerRuntimeVersion: '', kernelVersion: '', kubeProxyVersion: '',
        kubeletVersion: 'v1.32.0', machineID: '', operatingSystem: 'linux', osImage: 'podferry fake node', systemUUID: '',
      },
    },
  };
}
