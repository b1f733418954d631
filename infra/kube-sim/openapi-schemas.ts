// OpenAPI v3 components.schemas for the served kinds, built from the same client-node models as schema.ts,
// with the SMP list extensions kubectl apply reads (x-kubernetes-patch-merge-key / -patch-strategy).
import { listStrategy } from './patch-strategies.js';
import { modelAttributes } from './schema.js';

const META_TYPES = new Set(['ObjectMeta', 'ManagedFieldsEntry', 'OwnerReference', 'LabelSelector', 'LabelSelectorRequirement', 'MicroTime', 'Time']);
const ADMISSION_TYPES = new Set(['MutatingWebhook', 'MutatingWebhookConfiguration', 'ValidatingWebhook', 'ValidatingWebhookConfiguration', 'RuleWithOperations', 'MatchCondition']);
const DISCOVERY_TYPES = new Set(['EndpointSlice', 'Endpoint', 'EndpointConditions', 'EndpointHints', 'ForZone', 'ForNode']);
const STORAGE_TYPES = new Set(['StorageClass']);

/** Roots: model, kind, apiVersion. */
const ROOTS: Array<[string, string, string]> = [
  ['V1Pod', 'Pod', 'v1'], ['V1ConfigMap', 'ConfigMap', 'v1'], ['V1Secret', 'Secret', 'v1'],
  ['V1ServiceAccount', 'ServiceAccount', 'v1'], ['V1Service', 'Service', 'v1'], ['V1Namespace', 'Namespace', 'v1'],
  ['CoreV1Event', 'Event', 'v1'], ['V1Node', 'Node', 'v1'], ['V1Binding', 'Binding', 'v1'],
  ['V1MutatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'admissionregistration.k8s.io/v1'],
  ['V1ValidatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/v1'],
  ['V1Endpoints', 'Endpoints', 'v1'], ['V1EndpointSlice', 'EndpointSlice', 'discovery.k8s.io/v1'],
  ['V1PersistentVolumeClaim', 'PersistentVolumeClaim', 'v1'], ['V1PersistentVolume', 'PersistentVolume', 'v1'],
  ['V1StorageClass', 'StorageClass', 'storage.k8s.io/v1'],
  ['V1Deployment', 'Deployment', 'apps/v1'], ['V1ReplicaSet', 'ReplicaSet', 'apps/v1'], ['V1StatefulSet', 'StatefulSet', 'apps/v1'],
  ['V1Job', 'Job', 'batch/v1'],
];

const APPS_TYPE = /^(Deployment|ReplicaSet|StatefulSet|DaemonSet|ControllerRevision|RollingUpdate(Deployment|StatefulSetStrategy|DaemonSet))/;
const BATCH_TYPE = /^(Job|CronJob|PodFailurePolicy|SuccessPolicy|UncountedTerminatedPods)/;
const AUTOSCALING_TYPES = new Set(['Scale', 'ScaleSpec', 'ScaleStatus']);

/** The OpenAPI definition name the real server uses for a client-node model class. */
export function openApiName(model: string): string {
  if (model.startsWith('AdmissionregistrationV1')) return `io.k8s.api.admissionregistration.v1.${model.slice(23)}`;
  if (model.startsWith('CoreV1')) return `io.k8s.api.core.v1.${model.slice(6)}`;
  if (model.startsWith('DiscoveryV1')) return `io.k8s.api.discovery.v1.${model.slice(11)}`;
  const bare = model.replace(/^V1/, '');
  if (META_TYPES.has(bare)) return `io.k8s.apimachinery.pkg.apis.meta.v1.${bare}`;
  if (ADMISSION_TYPES.has(bare)) return `io.k8s.api.admissionregistration.v1.${bare}`;
  if (DISCOVERY_TYPES.has(bare)) return `io.k8s.api.discovery.v1.${bare}`;
  if (STORAGE_TYPES.has(bare)) return `io.k8s.api.storage.v1.${bare}`;
  if (APPS_TYPE.test(bare)) return `io.k8s.api.apps.v1.${bare}`;
  if (BATCH_TYPE.test(bare)) return `io.k8s.api.batch.v1.${bare}`;
  if (AUTOSCALING_TYPES.has(bare)) return `io.k8s.api.autoscaling.v1.${bare}`;
  return `io.k8s.api.core.v1.${bare}`;
}

type Schema = Record<string, unknown>;
const ref = (model: string): Schema => ({ allOf: [{ $ref: `#/components/schemas/${openApiName(model)}` }], default: {} });

export function openApiSchemas(): Record<string, unknown> {
  const schemas: Record<string, Schema> = {};

  function typeSchema(type: string, kind: string, path: string): Schema {
    const array = /^Array<(.+)>$/.exec(type);
    if (array) return { type: 'array', items: typeSchema(array[1], kind, path) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return { type: 'object', additionalProperties: typeSchema(map[1], kind, path) };
    if (type === 'string') return { type: 'string' };
    if (type === 'number') return { type: 'integer' };
    if (type === 'boolean') return { type: 'boolean' };
    if (type === 'Date') return { type: 'string', format: 'date-time' };
    if (type === 'IntOrString') return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    if (modelAttributes(type)) { visit(type, kind, path); return ref(type); }
    return type === 'any' ? { type: 'object' } : { type: 'string' };
  }

  function visit(model: string, kind: string, path: string): void {
    const name = openApiName(model);
    if (schemas[name] && path.split('.').length > 1) return;
    const properties: Record<string, Schema> = {};
    schemas[name] = { type: 'object', properties };
    for (const attr of modelAttributes(model) ?? []) {
      const childPath = path ? `${path}.${attr.baseName}` : attr.baseName;
      const prop = typeSchema(attr.type, kind, childPath);
      const strategy = listStrategy(kind, childPath);
      if (strategy.kind === 'merge') {
        prop['x-kubernetes-patch-merge-key'] = strategy.key;
        prop['x-kubernetes-patch-strategy'] = childPath === 'spec.volumes' ? 'merge,retainKeys' : 'merge';
      } else if (strategy.kind === 'set') {
        prop['x-kubernetes-patch-strategy'] = 'merge';
      }
      properties[attr.baseName] = prop;
    }
  }

  for (const [model, kind, apiVersion] of ROOTS) {
    visit(model, kind, '');
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    schemas[openApiName(model)]['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  }
  return schemas;
}
