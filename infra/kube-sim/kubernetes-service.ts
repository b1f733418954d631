// The `kubernetes` Service in `default`, as kube-apiserver's own reconcilers keep it: the first address of
// the service range on port 443, and an Endpoints and EndpointSlice (no selector: the API server writes them)
// naming the address and port the server really listens on. Run at every start, so a restart on another
// port points them at the new one.
import { isKubeError } from './errors.js';
import { endpoints, endpointSlices, services } from './resources.js';
import { SERVICE_NAME_LABEL } from './endpoints-build.js';
import type { Api, KubeObject, ResourceType, UserInfo } from './types.js';
import { deepEqual } from './validation.js';

const USER: UserInfo = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };
const WRITE = { dryRun: false, user: USER, fieldManager: 'kube-apiserver' };

export interface ApiServerEndpoint {
  clusterIP: string;
  /** The address and port the API server is reached on. */
  address: string;
  port: number;
}

async function ensure(api: Api, resource: ResourceType, name: string, wanted: KubeObject, same: (have: KubeObject) => boolean, keep: (have: KubeObject) => Partial<KubeObject> = () => ({})): Promise<void> {
  let have: KubeObject | undefined;
  try {
    have = api.get(resource, 'default', name);
  } catch (err) {
    if (!isKubeError(err) || err.code !== 404) throw err;
  }
  if (!have) {
    await api.create(resource, 'default', wanted, WRITE);
    return;
  }
  if (same(have)) return;
  await api.update(resource, 'default', name, { ...have, ...wanted, ...keep(have), metadata: { ...have.metadata, labels: wanted.metadata.labels } }, WRITE);
}

export async function reconcileKubernetesService(api: Api, ep: ApiServerEndpoint): Promise<void> {
  const ports = [{ name: 'https', port: ep.port, protocol: 'TCP' }];
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await ensure(api, services, 'kubernetes', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: {
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: ep.port }],
      clusterIP: ep.clusterIP, clusterIPs: [ep.clusterIP], type: 'ClusterIP', sessionAffinity: 'None',
      ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster',
    },
  }, (have) => (have.spec as { ports?: Array<{ targetPort?: unknown }> }).ports?.[0]?.targetPort === ep.port,
  // An allocated address never changes, even when a restart brings another service range (a state dir of a
  // run with an older range): kube-apiserver would refuse the change too.
  (have) => {
    const spec = have.spec as { clusterIP?: string; clusterIPs?: string[] } | undefined;
    return spec?.clusterIP ? { spec: { ...(have.spec as object), ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: ep.port }], clusterIP: spec.clusterIP, clusterIPs: spec.clusterIPs ?? [spec.clusterIP] } } : {};
  });
  await ensure(api, endpoints, 'kubernetes', {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: ep.address }], ports }],
  }, (have) => deepEqual(have.subsets, [{ addresses: [{ ip: ep.address }], ports }]));
  const slice = { addressType: 'IPv4', endpoints: [{ addresses: [ep.address], conditions: { ready: true } }], ports };
  await ensure(api, endpointSlices, 'kubernetes', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'kubernetes' } },
    ...slice,
  }, (have) => deepEqual(have.endpoints, slice.endpoints) && deepEqual(have.ports, slice.ports));
}
