// The resources the simulator serves, described once: discovery, routing, selectors and delete semantics
// all read this table, so adding a type is one entry here.
import type { ResourceType } from './types.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CLUSTER_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function core(entry: Partial<ResourceType> & Pick<ResourceType, 'kind' | 'plural' | 'singular'>): ResourceType {
  return {
    group: '',
    version: 'v1',
    listKind: `${entry.kind}List`,
    namespaced: true,
    shortNames: [],
    categories: [],
    subresources: [],
    verbs: ALL_VERBS,
    selectableFields: [],
    returnDeletedObject: false,
    hasSpec: false,
    hasStatus: false,
    ...entry,
  };
}

export const namespaces = core({
  kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'],
  subresources: ['status', 'finalize'], verbs: CLUSTER_VERBS, selectableFields: ['status.phase'], hasSpec: false, hasStatus: true,
});

export const pods = core({
  kind: 'Pod', plural: 'pods', singular: 'pod', shortNames: ['po'], categories: ['all'],
  // Alphabetical, as kube-apiserver's discovery lists them; log, exec, attach and portforward are served by
  // the pod streaming handler (streaming/), the rest by the resource handler.
  subresources: ['attach', 'binding', 'ephemeralcontainers', 'exec', 'log', 'portforward', 'status'], returnDeletedObject: true, hasSpec: true, hasStatus: true,
  selectableFields: [
    'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
    'status.phase', 'status.podIP', 'status.nominatedNodeName',
  ],
});

export const configMaps = core({ kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', shortNames: ['cm'] });

export const secrets = core({ kind: 'Secret', plural: 'secrets', singular: 'secret', selectableFields: ['type'] });

export const serviceAccounts = core({
  kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', shortNames: ['sa'], returnDeletedObject: true,
  subresources: ['token'],
});

export const services = core({
  kind: 'Service', plural: 'services', singular: 'service', shortNames: ['svc'], categories: ['all'],
  subresources: ['status'], hasSpec: true, hasStatus: true,
});

export const events = core({
  kind: 'Event', plural: 'events', singular: 'event', shortNames: ['ev'],
  selectableFields: [
    'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
    'reason', 'reportingComponent', 'source', 'type',
  ],
});

export const nodes = core({
  kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'],
  subresources: ['status'], verbs: ALL_VERBS, selectableFields: ['spec.unschedulable'], hasSpec: true, hasStatus: true,
});

function admissionRegistration(kind: string, plural: string, singular: string): ResourceType {
  return core({ kind, plural, singular, group: 'admissionregistration.k8s.io', namespaced: false, categories: ['api-extensions'], hasSpec: false });
}

export const mutatingWebhookConfigurations = admissionRegistration(
  'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', 'mutatingwebhookconfiguration');

export const validatingWebhookConfigurations = admissionRegistration(
  'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', 'validatingwebhookconfiguration');

export const endpoints = core({ kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', shortNames: ['ep'] });

export const endpointSlices = core({ kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice', group: 'discovery.k8s.io' });

export const persistentVolumeClaims = core({
  kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc'],
  subresources: ['status'], hasStatus: true,
});

export const persistentVolumes = core({
  kind: 'PersistentVolume', plural: 'persistentvolumes', singular: 'persistentvolume', namespaced: false, shortNames: ['pv'],
  subresources: ['status'], hasStatus: true,
});

export const storageClasses = core({
  kind: 'StorageClass', plural: 'storageclasses', singular: 'storageclass', group: 'storage.k8s.io', namespaced: false, shortNames: ['sc'],
});
// Workloads: apps/v1 and batch/v1 with status and (but for jobs) scale subresources; their controllers live in
// *-controller.ts.
function workload(kind: string, plural: string, singular: string, group: 'apps' | 'batch', shortNames: string[]): ResourceType {
  return core({
    kind, plural, singular, group, shortNames, categories: ['all'], hasSpec: true, hasStatus: true,
    subresources: group === 'apps' ? ['status', 'scale'] : ['status'],
  });
}

export const deployments = workload('Deployment', 'deployments', 'deployment', 'apps', ['deploy']);
export const replicaSets = workload('ReplicaSet', 'replicasets', 'replicaset', 'apps', ['rs']);
export const statefulSets = workload('StatefulSet', 'statefulsets', 'statefulset', 'apps', ['sts']);
export const jobs = workload('Job', 'jobs', 'job', 'batch', []);

export const ALL_RESOURCES: readonly ResourceType[] = [
  namespaces, pods, configMaps, secrets, serviceAccounts, services, events, nodes,
  mutatingWebhookConfigurations, validatingWebhookConfigurations,
  endpoints, endpointSlices, persistentVolumeClaims, persistentVolumes, storageClasses,
  deployments, replicaSets, statefulSets, jobs,
];

/** "v1" for core, "group/version" otherwise: the apiVersion objects of this type carry. */
export function apiVersionOf(resource: ResourceType): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return ALL_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findResourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return ALL_RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}
