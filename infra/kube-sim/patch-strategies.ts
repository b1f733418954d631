// Which lists a strategic merge patch merges, and by what key: the patchStrategy/patchMergeKey tags of
// k8s.io/api core/v1 types.go for the kinds the simulator serves. Lists not named here are replaced whole.

export type ListStrategy =
  | { kind: 'merge'; key: string } // list of maps merged by key
  | { kind: 'set' } // list of primitives merged as a set
  | { kind: 'replace' };

/** Paths are field names joined by "." with list items elided; "*" stands for any container list. */
const METADATA: Record<string, ListStrategy> = {
  'metadata.ownerReferences': { kind: 'merge', key: 'uid' },
  'metadata.finalizers': { kind: 'set' },
};

const CONTAINER_LISTS: Record<string, ListStrategy> = {
  ports: { kind: 'merge', key: 'containerPort' },
  env: { kind: 'merge', key: 'name' },
  volumeMounts: { kind: 'merge', key: 'mountPath' },
  volumeDevices: { kind: 'merge', key: 'devicePath' },
};

function podLists(): Record<string, ListStrategy> {
  const out: Record<string, ListStrategy> = {
    'spec.volumes': { kind: 'merge', key: 'name' },
    'spec.imagePullSecrets': { kind: 'merge', key: 'name' },
    'spec.hostAliases': { kind: 'merge', key: 'ip' },
    'spec.topologySpreadConstraints': { kind: 'merge', key: 'topologyKey' },
    'spec.schedulingGates': { kind: 'merge', key: 'name' },
    'spec.resourceClaims': { kind: 'merge', key: 'name' },
    'status.conditions': { kind: 'merge', key: 'type' },
    'status.podIPs': { kind: 'merge', key: 'ip' },
    'status.hostIPs': { kind: 'merge', key: 'ip' },
    'status.resourceClaimStatuses': { kind: 'merge', key: 'name' },
  };
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    out[`spec.${list}`] = { kind: 'merge', key: 'name' };
    for (const [field, strategy] of Object.entries(CONTAINER_LISTS)) out[`spec.${list}.${field}`] = strategy;
  }
  return out;
}

/** A workload's pod template merges like a pod's spec, under spec.template; its conditions merge by type. */
function workloadLists(): Record<string, ListStrategy> {
  const out: Record<string, ListStrategy> = { 'status.conditions': { kind: 'merge', key: 'type' } };
  for (const [path, strategy] of Object.entries(podLists())) if (path.startsWith('spec.')) out[`spec.template.${path}`] = strategy;
  return out;
}

const WORKLOAD_LISTS = workloadLists();

const BY_KIND: Record<string, Record<string, ListStrategy>> = {
  Pod: podLists(),
  Deployment: WORKLOAD_LISTS,
  ReplicaSet: WORKLOAD_LISTS,
  StatefulSet: WORKLOAD_LISTS,
  Job: WORKLOAD_LISTS,
  Node: {
    'spec.podCIDRs': { kind: 'set' },
    'status.conditions': { kind: 'merge', key: 'type' },
    'status.addresses': { kind: 'merge', key: 'type' },
  },
  Service: { 'spec.ports': { kind: 'merge', key: 'port' } },
};

export function listStrategy(kind: string, path: string): ListStrategy {
  return METADATA[path] ?? BY_KIND[kind]?.[path] ?? { kind: 'replace' };
}

