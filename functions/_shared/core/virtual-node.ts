import { isIP } from 'node:net';
import type { V1Node, V1NodeAddress } from '@kubernetes/client-node';

// The Node a virtual pod is bound to: named after the host node the host pod runs on, as vCluster's fake
// node syncer does (facts section 6), so `kubectl get pods -o wide` in the virtual cluster shows the real
// node name. Capacity is nominal: nothing schedules against it, the host scheduler already placed the pod.
// Its addresses and daemon endpoint point at podferry's node proxy, so the virtual API server sends
// `kubectl logs`, `exec`, `attach` and `port-forward` there, as it would to the node's kubelet.

export const FAKE_NODE_LABEL = 'vcluster.loft.sh/fake-node';

/** Where the node proxy is reached: an IP (advertised as InternalIP) or a DNS name (advertised as Hostname). */
export type NodeProxyEndpoint = { address: string; port: number };

/** The per-node Hostname when the node proxy is advertised by IP (vCluster's `<node>.nodes.vcluster.com`). */
export function virtualNodeHostname(hostNodeName: string): string {
  return `${hostNodeName.replaceAll('.', '-')}.nodes.podferry.local`;
}

/**
 * kube-apiserver dials the first address of its preferred types (k3s: InternalIP, ExternalIP, Hostname;
 * the upstream default starts with Hostname). An IP goes in InternalIP, with the per-node Hostname beside it;
 * a DNS name goes in Hostname, so every preference order finds it.
 */
export function virtualNodeAddresses(hostNodeName: string, proxy: NodeProxyEndpoint | undefined, hostIP?: string): V1NodeAddress[] {
  if (proxy && isIP(proxy.address) === 0) return [{ type: 'Hostname', address: proxy.address }];
  const hostname: V1NodeAddress = { type: 'Hostname', address: virtualNodeHostname(hostNodeName) };
  // Without a node proxy, the host node's own address: every node has an InternalIP.
  const internalIP = proxy?.address ?? hostIP;
  return internalIP ? [{ type: 'InternalIP', address: internalIP }, hostname] : [hostname];
}

/** `hostIP`: the host node's address (the host pod's hostIP), the InternalIP when no node proxy is advertised. */
export function virtualNodeFor(hostNodeName: string, now: Date, proxy?: NodeProxyEndpoint, hostIP?: string): V1Node {
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
      addresses: virtualNodeAddresses(hostNodeName, proxy, hostIP),
      ...(proxy ? { daemonEndpoints: { kubeletEndpoint: { Port: proxy.port } } } : {}),
      nodeInfo: {
        architecture: 'amd64', bootID: '', containerRuntimeVersion: '', kernelVersion: '', kubeProxyVersion: '',
        kubeletVersion: 'v1.32.0', machineID: '', operatingSystem: 'linux', osImage: 'podferry fake node', systemUUID: '',
      },
    },
  };
}

/** The status fields that route the virtual API server to the node proxy, for converging an existing node. */
export function nodeProxyStatusPatch(node: V1Node, proxy: NodeProxyEndpoint): { status: { addresses: V1NodeAddress[]; daemonEndpoints: { kubeletEndpoint: { Port: number } } } } | undefined {
  const want = virtualNodeAddresses(node.metadata?.name ?? '', proxy);
  const have = node.status?.addresses ?? [];
  const sameAddresses = want.length === have.length && want.every((a, i) => a.type === have[i].type && a.address === have[i].address);
  if (sameAddresses && node.status?.daemonEndpoints?.kubeletEndpoint?.Port === proxy.port) return undefined;
  // DaemonEndpoint's one field is "Port", capitalised, in the API and in client-node alike.
  return { status: { addresses: want, daemonEndpoints: { kubeletEndpoint: { Port: proxy.port } } } };
}
