// `kubectl get` asks for meta.k8s.io/v1 Tables (Accept: ...;as=Table;g=meta.k8s.io;v=v1). These wrap
// table.ts so a get answers a one-row Table, a list a Table with the list's resourceVersion and continue,
// and each watch event carries a one-row Table.
import { toTable } from './table.js';
import type { KubeList, KubeObject, ResourceType } from './types.js';

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('as=Table') && accept.includes('g=meta.k8s.io');
}

export interface TableTransform {
  /** A list or one object as a Table. */
  convert(body: KubeObject | KubeList): unknown;
  /** One watch event's object as a one-row Table. */
  convertOne(object: KubeObject): unknown;
}

export function tableTransform(resource: ResourceType, params: URLSearchParams, now: () => Date): TableTransform {
  const includeObject = params.get('includeObject') ?? undefined;
  const one = (object: KubeObject) => toTable(resource, [object], { includeObject, resourceVersion: object.metadata.resourceVersion ?? '', now: now() });
  return {
    convert(body) {
      if (Array.isArray((body as KubeList).items)) {
        const list = body as KubeList;
        return toTable(resource, list.items, { includeObject, resourceVersion: list.metadata.resourceVersion, continue: list.metadata.continue, now: now() });
      }
      return one(body as KubeObject);
    },
    convertOne: one,
  };
}
