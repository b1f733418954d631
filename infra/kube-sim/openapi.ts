// OpenAPI v3 as kubectl reads it: each resource's item path has a `patch` operation tagged with its
// group-version-kind and a `fieldValidation` query parameter, which tells kubectl under its default
// `--validate=strict` that the server enforces field validation itself (cli-runtime's v3 query-param
// verifier). The schemas (schema.ts's openApiSchemas, with the SMP merge keys) let `kubectl apply` compute
// strategic merge patches from v3, since the patch operation accepts application/strategic-merge-patch+json.
import { createHash } from 'node:crypto';
import { ALL_RESOURCES, apiVersionOf } from './resources.js';
import { openApiSchemas } from './schema.js';
import type { ResourceType } from './types.js';

const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  description: 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  schema: { type: 'string', uniqueItems: true },
};
const DRY_RUN = { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } };
const FIELD_MANAGER = { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } };

type Schemas = Record<string, Record<string, unknown>>;
const schemaNames = new Map<ResourceType, string>();

/** The definition name of a resource's kind, found through its x-kubernetes-group-version-kind. */
function schemaName(r: ResourceType): string {
  return schemaNames.get(r) ?? `io.k8s.api.${r.group ? r.group.split('.')[0] : 'core'}.${r.version}.${r.kind}`;
}

function indexSchemas(schemas: Schemas): void {
  for (const [name, schema] of Object.entries(schemas)) {
    const gvks = schema['x-kubernetes-group-version-kind'] as Array<{ group: string; version: string; kind: string }> | undefined;
    for (const gvk of gvks ?? []) {
      const r = ALL_RESOURCES.find((x) => x.group === gvk.group && x.version === gvk.version && x.kind === gvk.kind);
      if (r) schemaNames.set(r, name);
    }
  }
}

function ref(r: ResourceType) {
  return { $ref: `#/components/schemas/${schemaName(r)}` };
}

function operation(r: ResourceType, action: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ok = { description: 'OK', content: { 'application/json': { schema: ref(r) } } };
  return {
    operationId: `${action}${r.kind}`,
    responses: { '200': ok },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
    ...extra,
  };
}

function pathsFor(r: ResourceType): Record<string, unknown> {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const body = (types: string[]) => ({ content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'object' } }])), required: true });
  const writeParams = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
  return {
    [collection]: {
      get: operation(r, 'list'),
      post: operation(r, 'post', { parameters: writeParams, requestBody: body(['application/json']) }),
    },
    [`${collection}/{name}`]: {
      get: operation(r, 'get'),
      put: operation(r, 'put', { parameters: writeParams, requestBody: body(['application/json']) }),
      patch: operation(r, 'patch', {
        parameters: writeParams,
        requestBody: body(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']),
      }),
      delete: operation(r, 'delete', { parameters: [DRY_RUN] }),
    },
  };
}

function documentFor(resources: ResourceType[], allSchemas: Schemas): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  // Every document carries the whole (small) schema set: shared types like ObjectMeta are referenced from all.
  const schemas: Schemas = { ...allSchemas };
  for (const r of resources) {
    Object.assign(paths, pathsFor(r));
    schemas[schemaName(r)] ??= { type: 'object', 'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: r.kind }] };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}

/** Path -> JSON text for /openapi/v3 and each group-version document. */
export function openApiDocuments(): Map<string, string> {
  const allSchemas = openApiSchemas() as Schemas;
  indexSchemas(allSchemas);
  const byGroupVersion = new Map<string, ResourceType[]>();
  for (const r of ALL_RESOURCES) {
    const gv = apiVersionOf(r);
    byGroupVersion.set(gv, [...(byGroupVersion.get(gv) ?? []), r]);
  }
  const docs = new Map<string, string>();
  const index: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, resources] of byGroupVersion) {
    const key = resources[0].group ? `apis/${gv}` : `api/${gv}`;
    const text = JSON.stringify(documentFor(resources, allSchemas));
    const hash = createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
    docs.set(`/openapi/v3/${key}`, text);
    index[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  docs.set('/openapi/v3', JSON.stringify({ paths: index }));
  return docs;
}
