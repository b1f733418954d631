// The endpoints and endpointslice controllers against the real scheduler and kubelets: ready pods in
// addresses, unready ones in notReadyAddresses, named target ports resolved, slices with their conditions,
// and everything the Service owned gone with it. The `kubernetes` Service comes from a started cluster.
import t from 'tap';
import { startEndpointsController } from '../../infra/kube-sim/endpoints-controller.js';
import { endpoints, endpointSlices, pods, services } from '../../infra/kube-sim/resources.js';
import { startCluster } from '../../infra/kube-sim/server.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { startHost, write, type Host } from './kubelet-harness.js';

type Obj = Record<string, any>;

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const get = (host: Host, resource: typeof endpoints, name: string) => {
  try { return host.api.get(resource, 'default', name); } catch { return undefined; }
};
const slicesOf = (host: Host, svc: string) => host.api.list(endpointSlices, 'default', { labelSelector: `kubernetes.io/service-name=${svc}` }).items;

let host: Host;
let controller: { stop(): Promise<void> };
t.before(async () => {
  host = await startHost({ nodes: 2 });
  controller = startEndpointsController(host.api);
});
t.teardown(async () => {
  await controller.stop();
  await host.stop();
});

t.test('when pods match a Service, then its Endpoints list the ready ones by IP and the unready ones apart', async (t) => {
  await host.api.create(services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { tier: 'front' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } as KubeObject, write);
  const podSpec = (image: string) => ({ containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] });
  await host.api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok', labels: { app: 'web' } }, spec: podSpec('nginx:1.27') }, write);
  await host.api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stuck', labels: { app: 'web' } }, spec: podSpec('sim-pull-fail') }, write);
  await host.api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', labels: { app: 'db' } }, spec: podSpec('nginx:1.27') }, write);

  const ep = await until('both pods in the Endpoints', () => {
    const e = get(host, endpoints, 'web') as Obj | undefined;
    const s = e?.subsets?.[0];
    return s?.addresses?.length === 1 && s?.notReadyAddresses?.length === 1 ? e : undefined;
  });
  const ok = host.api.get(pods, 'default', 'ok') as Obj;
  const subset = ep.subsets[0];
  t.same(subset.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }], 'the named target port resolved to the container port');
  t.match(subset.addresses[0], { ip: ok.status.podIP, nodeName: ok.spec.nodeName, targetRef: { kind: 'Pod', name: 'ok', namespace: 'default', uid: ok.metadata.uid } });
  t.match(subset.notReadyAddresses[0], { targetRef: { name: 'stuck' } });
  t.equal(ep.metadata.labels.tier, 'front', 'the Service labels are copied');

  const slice = await until('the slice', () => slicesOf(host, 'web').find((s) => ((s as Obj).endpoints ?? []).length === 2)) as Obj;
  t.match(slice, {
    addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    metadata: { generateName: 'web-', labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, ownerReferences: [{ kind: 'Service', name: 'web', controller: true }] },
  });
  const byName = Object.fromEntries(slice.endpoints.map((e: Obj) => [e.targetRef.name, e]));
  t.same(byName.ok.conditions, { ready: true, serving: true, terminating: false });
  t.same(byName.stuck.conditions, { ready: false, serving: false, terminating: false });
  t.same(byName.ok.addresses, [ok.status.podIP]);
});

t.test('when a backing pod goes, then it leaves the Endpoints; when the Service goes, its Endpoints and slices go', async (t) => {
  await host.api.delete(pods, 'default', 'stuck', { gracePeriodSeconds: 0 }, write);
  await until('the unready pod gone', () => ((get(host, endpoints, 'web') as Obj | undefined)?.subsets?.[0]?.notReadyAddresses ? undefined : true));
  t.equal((get(host, endpoints, 'web') as Obj).subsets[0].addresses.length, 1);
  await host.api.delete(services, 'default', 'web', {}, write);
  await until('the Endpoints gone', () => (get(host, endpoints, 'web') ? undefined : true));
  await until('the slices gone', () => (slicesOf(host, 'web').length ? undefined : true));
  t.pass('nothing of the Service is left');
});

t.test('when a Service selects nothing, then it has an empty Endpoints and a placeholder slice', async (t) => {
  await host.api.create(services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lonely' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } } as KubeObject, write);
  const ep = await until('the Endpoints', () => get(host, endpoints, 'lonely')) as Obj;
  t.notOk(ep.subsets);
  const [slice] = await until('the slice', () => (slicesOf(host, 'lonely').length ? slicesOf(host, 'lonely') : undefined)) as Obj[];
  t.equal(slice.endpoints, null);
});

t.test('when a cluster starts, then the kubernetes Service has the first address and names the API server', async (t) => {
  const cluster = await startCluster({ mode: 'virtual' });
  t.teardown(() => cluster.close());
  const svc = cluster.api.get(services, 'default', 'kubernetes') as Obj;
  t.equal(svc.spec.clusterIP, '10.43.0.1');
  t.match(svc, { metadata: { labels: { component: 'apiserver', provider: 'kubernetes' } }, spec: { ports: [{ name: 'https', port: 443, targetPort: cluster.port }] } });
  t.same((cluster.api.get(endpoints, 'default', 'kubernetes') as Obj).subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: cluster.port, protocol: 'TCP' }] }]);
  t.match(cluster.api.get(endpointSlices, 'default', 'kubernetes'), { endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ port: cluster.port }] });
});
