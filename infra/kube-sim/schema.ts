// Which fields each kind defines, read from the generated models of @kubernetes/client-node (one
// attributeTypeMap per API type, generated from the Kubernetes OpenAPI document), so the field lists follow
// the real API instead of a hand-kept copy. Used for fieldValidation=Strict|Warn as the real decoder does it.
// Only the generated models, not the whole client (API classes, auth, watch): a third of the load time, and
// the package has no exports map that would forbid the deep path.
import * as models from '@kubernetes/client-node/dist/gen/models/all.js';
import { badRequest, type KubeError } from './errors.js';

type Attribute = { name: string; baseName: string; type: string; format: string };
type Model = { attributeTypeMap?: Attribute[] };

/** The model class behind each kind the simulator validates. */
const KIND_MODELS: Record<string, string> = {
  Pod: 'V1Pod',
  ConfigMap: 'V1ConfigMap',
  Secret: 'V1Secret',
  ServiceAccount: 'V1ServiceAccount',
  Service: 'V1Service',
  Namespace: 'V1Namespace',
  Event: 'CoreV1Event',
  Node: 'V1Node',
  Binding: 'V1Binding',
  MutatingWebhookConfiguration: 'V1MutatingWebhookConfiguration',
  ValidatingWebhookConfiguration: 'V1ValidatingWebhookConfiguration',
  ObjectMeta: 'V1ObjectMeta',
  Endpoints: 'V1Endpoints',
  EndpointSlice: 'V1EndpointSlice',
  PersistentVolumeClaim: 'V1PersistentVolumeClaim',
  PersistentVolume: 'V1PersistentVolume',
  StorageClass: 'V1StorageClass',
  TokenRequest: 'AuthenticationV1TokenRequest',
  Deployment: 'V1Deployment',
  ReplicaSet: 'V1ReplicaSet',
  StatefulSet: 'V1StatefulSet',
  Job: 'V1Job',
  Scale: 'V1Scale',
};

const registry = models as unknown as Record<string, Model | undefined>;

export function modelAttributes(modelName: string): Attribute[] | undefined {
  return registry[modelName]?.attributeTypeMap;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

/** Walks value against the model type, appending each unknown field path in document order. */
function walk(type: string, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = ARRAY.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(array[1], item, `${path}[${i}]`, out));
    return;
  }
  const map = MAP.exec(type);
  if (map) {
    if (isObj(value)) for (const [k, v] of Object.entries(value)) walk(map[1], v, `${path}[${k}]`, out);
    return;
  }
  const attrs = modelAttributes(type);
  if (!attrs || !isObj(value)) return; // a scalar, IntOrString, Quantity, any, or a type mismatch the decoder reports otherwise
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const attr = attrs.find((a) => a.baseName === key);
    if (!attr) out.push(childPath);
    else walk(attr.type, child, childPath, out);
  }
}

/**
 * Paths of the fields obj carries that the kind's schema does not define, e.g. "spec.containers[0].imagePullPolicyX".
 * Unknown kinds report nothing: the real server cannot be stricter than its schema.
 */
export function unknownFields(kind: string, obj: unknown): string[] {
  const model = KIND_MODELS[kind];
  if (!model) return [];
  const out: string[] = [];
  walk(model, obj, '', out);
  return out;
}

/** `unknown field "spec.foo"`: one entry per path, as Warn mode returns them in Warning headers. */
export function unknownFieldMessages(paths: string[]): string[] {
  return paths.map((p) => `unknown field ${JSON.stringify(p)}`);
}

/** The 400 that fieldValidation=Strict answers with. */
export function strictDecodingError(paths: string[]): KubeError {
  return badRequest(`strict decoding error: ${unknownFieldMessages(paths).join(', ')}`);
}

export { openApiSchemas } from './openapi-schemas.js';
