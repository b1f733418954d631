// Legacy (unaggregated) discovery and the public-info endpoints, computed once from the resource table.
// Answering plain application/json to kubectl's aggregated-discovery Accept makes it fall back to legacy
// discovery, which is all a built-in-types-only server needs.
import { ALL_RESOURCES, apiVersionOf } from './resources.js';
import { reviewDiscovery } from './reviews.js';
import type { ResourceType } from './types.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  ephemeralcontainers: ['get', 'patch', 'update'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  binding: ['create'],
  finalize: ['update'],
  token: ['create'],
  scale: ['get', 'patch', 'update'],
};

/** Subresources whose kind is not the parent's: Binding, TokenRequest from another group, Scale, connect options. */
const SUBRESOURCE_KINDS: Record<string, Record<string, string>> = {
  binding: { kind: 'Binding' },
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  // The scale client reads the Scale's group and version from this entry (kubectl scale).
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  // The options kind a connect subresource takes (kubectl reads only the verbs; clients that list kinds see these).
  exec: { kind: 'PodExecOptions' },
  attach: { kind: 'PodAttachOptions' },
  portforward: { kind: 'PodPortForwardOptions' },
};


function resourceList(groupVersion: string, resources: readonly ResourceType[]): Record<string, unknown> {
  const entries: Record<string, unknown>[] = [];
  for (const r of resources) {
    const entry: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames.length) entry.shortNames = r.shortNames;
    if (r.categories.length) entry.categories = r.categories;
    entries.push(entry);
    for (const sub of r.subresources) {
      const kind = SUBRESOURCE_KINDS[sub] ?? { kind: r.kind };
      entries.push({ name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced, ...kind, verbs: SUBRESOURCE_VERBS[sub] ?? ['get'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: entries };
}

function groupOf(name: string, version: string): Record<string, unknown> {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: [gv], preferredVersion: gv };
}

/** The discovery documents by path, as JSON text; `serverAddress` is host:port for /api's serverAddressByClientCIDRs. */
export function discoveryDocuments(serverAddress: string): Map<string, string> {
  const byGroupVersion = new Map<string, ResourceType[]>();
  for (const r of ALL_RESOURCES) {
    const gv = apiVersionOf(r);
    const list = byGroupVersion.get(gv) ?? [];
    list.push(r);
    byGroupVersion.set(gv, list);
  }
  const docs = new Map<string, string>();
  const groups: Record<string, unknown>[] = [];
  for (const [gv, resources] of byGroupVersion) {
    const { group, version } = resources[0];
    docs.set(group ? `/apis/${gv}` : `/api/${gv}`, JSON.stringify(resourceList(gv, resources)));
    if (group) {
      const g = groupOf(group, version);
      docs.set(`/apis/${group}`, JSON.stringify(g));
      const { kind: _kind, apiVersion: _apiVersion, ...listed } = g;
      groups.push(listed);
    }
  }
  for (const [path, doc] of reviewDiscovery()) {
    docs.set(path, JSON.stringify(doc));
    if (doc.kind === 'APIGroup') groups.push({ name: doc.name, versions: doc.versions, preferredVersion: doc.preferredVersion });
  }
  docs.set('/api', JSON.stringify({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] }));
  docs.set('/apis', JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups }));
  docs.set('/version', JSON.stringify(SERVER_VERSION, null, 2));
  return docs;
}
