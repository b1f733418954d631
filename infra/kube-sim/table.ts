// meta.k8s.io/v1 Table responses, as the real server's printers build them for `kubectl get`
// (k8s pkg/printers/internalversion/printers.go; the generic Name/Created At convertor for the rest).
import { badRequest } from './errors.js';
import { ageSince } from './human-duration.js';
import { podCells, podRowConditions } from './pod-printer.js';
import { age, AGE, AGE_DOC, col, NAME, type Printer } from './table-columns.js';
import { MORE_PRINTERS } from './table-printers-more.js';
import { apiVersionOf } from './resources.js';
import { deploymentCells, jobCells, replicaSetCells, statefulSetCells } from './workload-printer.js';
import type { KubeObject, ResourceType } from './types.js';

export { humanDuration } from './human-duration.js';
export { podStatusReason } from './pod-printer.js';

type Obj = Record<string, any>;
const TEMPLATE_COLUMNS = [
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
];

const count = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);

function formatLabels(labels: Obj | undefined): string {
  const pairs = Object.keys(labels ?? {}).sort().map((k) => `${k}=${labels![k]}`);
  return pairs.length ? pairs.join(',') : '<none>';
}

function servicePorts(ports: Obj[] | undefined): string {
  const out = (ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  return out.length ? out.join(',') : '<none>';
}

function serviceExternalIP(spec: Obj, status: Obj): string {
  const external: string[] = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP': case 'NodePort': return external.length ? external.join(',') : '<none>';
    case 'ExternalName': return spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const ingress = (status.loadBalancer?.ingress ?? []).map((i: Obj) => i.ip || i.hostname).filter(Boolean);
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    default: return '<unknown>';
  }
}

function nodeStatus(node: KubeObject): string {
  const ready = ((node.status as Obj)?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
  const parts = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if ((node.spec as Obj)?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 24) roles.add(k.slice(24));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function nodeAddress(node: KubeObject, type: string): string {
  return ((node.status as Obj)?.addresses ?? []).find((a: Obj) => a.type === type)?.address ?? '<none>';
}

function eventCells(e: Obj, now: Date): unknown[] {
  let first = ageSince(e.firstTimestamp, now);
  if (!e.firstTimestamp) first = ageSince(e.eventTime, now);
  let last = e.lastTimestamp ? ageSince(e.lastTimestamp, now) : first;
  let n = e.count ?? 0;
  if (e.series) { last = ageSince(e.series.lastObservedTime, now); n = e.series.count ?? 0; } else if (n === 0) n = 1;
  const io: Obj = e.involvedObject ?? {};
  const kind = String(io.kind ?? '').toLowerCase();
  const target = io.name ? `${kind}/${io.name}` : kind;
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  const source = component ? [component, ...(instance ? [instance] : [])].join(', ') : '';
  return [last, e.type ?? '', e.reason ?? '', target, io.fieldPath ?? '', source, String(e.message ?? '').trim(), first, n, e.metadata?.name ?? ''];
}

const webhookPrinter: Printer = {
  columns: [NAME, col('Webhooks', 'integer', 'Webhooks is a list of webhooks and the affected resources and operations.'), AGE],
  cells: (o, now) => [o.metadata.name, ((o as Obj).webhooks ?? []).length, age(o, now)],
};

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
      col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
      col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
      col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ],
    cells: podCells,
  },
  Namespace: {
    columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
    cells: (o, now) => [o.metadata.name, (o.status as Obj)?.phase ?? '', age(o, now)],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'integer', 'Data contains the configuration data.'), AGE],
    cells: (o, now) => [o.metadata.name, count(o.data) + count(o.binaryData), age(o, now)],
  },
  Secret: {
    columns: [NAME, col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'integer', 'Data contains the secret data.'), AGE],
    cells: (o, now) => [o.metadata.name, o.type ?? 'Opaque', count(o.data), age(o, now)],
  },
  ServiceAccount: {
    columns: [NAME, col('Secrets', 'integer', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
    cells: (o, now) => [o.metadata.name, ((o as Obj).secrets ?? []).length, age(o, now)],
  },
  Service: {
    columns: [
      NAME, col('Type', 'string', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'string', 'clusterIP is the IP address of the service.'),
      col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'string', 'The list of ports that are exposed by this service.'), AGE,
      col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    cells: (o, now) => {
      const spec: Obj = (o.spec as Obj) ?? {};
      return [o.metadata.name, spec.type ?? 'ClusterIP', spec.clusterIPs?.[0] || spec.clusterIP || '<none>',
        serviceExternalIP(spec, (o.status as Obj) ?? {}), servicePorts(spec.ports), age(o, now), formatLabels(spec.selector)];
    },
  },
  Event: {
    columns: [
      col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
      col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
      col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
      col('Object', 'string', 'The object that this event is about.'),
      col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', 1),
      col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
      col('Message', 'string', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
      col('Count', 'string', 'The number of times this event has occurred.', 1),
      { ...NAME, priority: 1 },
    ],
    cells: (o, now) => eventCells(o as Obj, now),
  },
  Node: {
    columns: [
      NAME, col('Status', 'string', 'The status of the node'), col('Roles', 'string', 'The roles of the node'), AGE,
      col('Version', 'string', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      col('External-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      col('Kernel-Version', 'string', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).', 1),
      col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    cells: (o, now) => {
      const info: Obj = (o.status as Obj)?.nodeInfo ?? {};
      return [o.metadata.name, nodeStatus(o), nodeRoles(o), age(o, now), info.kubeletVersion ?? '',
        nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>'];
    },
  },
  MutatingWebhookConfiguration: webhookPrinter,
  ValidatingWebhookConfiguration: webhookPrinter,
  ...MORE_PRINTERS,
  Deployment: {
    columns: [
      NAME, col('Ready', 'string', 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE, ...TEMPLATE_COLUMNS,
      col('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template\'s labels.', 1),
    ],
    cells: deploymentCells,
  },
  ReplicaSet: {
    columns: [
      NAME, col('Desired', 'integer', 'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works'),
      col('Current', 'integer', 'Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works'),
      col('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
      AGE, ...TEMPLATE_COLUMNS,
      col('Selector', 'string', 'Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
    ],
    cells: replicaSetCells,
  },
  StatefulSet: {
    columns: [NAME, col('Ready', 'string', 'Number of the pod with ready state'), AGE, ...TEMPLATE_COLUMNS],
    cells: statefulSetCells,
  },
  Job: {
    columns: [
      NAME, col('Status', 'string', 'Status of the job.'),
      col('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
      col('Duration', 'string', 'Time required to complete the job.'), AGE, ...TEMPLATE_COLUMNS,
      col('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
    ],
    cells: jobCells,
  },
};

/** The default convertor for types without a printer: Name and the creation time in RFC 3339. */
const GENERIC: Printer = {
  columns: [NAME, col('Created At', 'date', AGE_DOC)],
  cells: (o) => {
    const ts = o.metadata.creationTimestamp;
    return [o.metadata.name ?? '', ts ? new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z') : '0001-01-01T00:00:00Z'];
  },
};

export interface TableOptions {
  /** None, Metadata (the default) or Object; a raw query value is accepted and anything else is a 400. */
  includeObject?: 'None' | 'Metadata' | 'Object' | (string & {});
  resourceVersion: string;
  continue?: string;
  now: Date;
}

export function toTable(resource: ResourceType, objects: KubeObject[], opts: TableOptions): Record<string, unknown> {
  const printer = PRINTERS[resource.kind] ?? GENERIC;
  const include = opts.includeObject || 'Metadata';
  if (!['None', 'Metadata', 'Object'].includes(include)) {
    throw badRequest(`includeObject: Unsupported value: ${JSON.stringify(include)}: supported values: "Metadata", "None", "Object"`);
  }
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.cells(obj, opts.now) };
    const conditions = resource.kind === 'Pod' ? podRowConditions(obj) : undefined;
    if (conditions) row.conditions = conditions;
    if (include === 'None') row.object = null;
    else if (include === 'Object') row.object = { kind: resource.kind, apiVersion: apiVersionOf(resource), ...obj };
    else row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    return row;
  });
  const metadata: Record<string, string> = { resourceVersion: opts.resourceVersion };
  if (opts.continue) metadata.continue = opts.continue;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions: printer.columns, rows };
}
