// Services: the host Service a virtual Service becomes, and the planner that converges both sides.
import t from 'tap';
import type { V1Service } from '@kubernetes/client-node';
import { hostLabels } from '../../functions/_shared/core/translate-metadata.js';
import {
  RECREATE_MARKER_ANNOTATION, hostServiceSelector, parseRecreateMarker, planServiceSync, serviceViolations, translateService,
  type ServiceSyncPlan,
} from '../../functions/_shared/core/translate-service.js';

const ctx = { vcluster: 'vc', hostNamespace: 'vc-host' };
/** A Service selector selects a pod when every key has the pod's value (equality-based, as Services are). */
const matchesLabels = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const ref = { namespace: 'shop', name: 'web' };
const HOST_NAME = 'web-x-shop-x-vc';

function virtualService(over: Partial<V1Service['spec']> = {}): V1Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'web', namespace: 'shop', uid: 'v-uid', resourceVersion: '7', labels: { app: 'web' }, annotations: { team: 'a' } },
    spec: {
      type: 'ClusterIP', clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      selector: { app: 'web' }, sessionAffinity: 'None', internalTrafficPolicy: 'Cluster',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], ...over,
    },
    status: { loadBalancer: {} },
  };
}

/** The host Service as the host API server holds it after podferry created it (address allocated, defaults set). */
function hostFor(virtual: V1Service, clusterIP = '10.96.7.7'): V1Service {
  const host = translateService(virtual, ctx);
  host.metadata = { ...host.metadata, uid: 'h-uid', resourceVersion: '100' };
  host.metadata.annotations = { ...host.metadata.annotations, 'cloud.example.com/lb-id': 'lb-1' };
  host.spec = { ...host.spec, ...(host.spec?.clusterIP === 'None' ? {} : { clusterIP, clusterIPs: [clusterIP] }), ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' };
  host.status = { loadBalancer: {} };
  return host;
}

/** A pair in the steady state: the virtual Service carries the host's address. */
function synced(over: Partial<V1Service['spec']> = {}): { virtual: V1Service; host: V1Service } {
  const virtual = virtualService(over);
  const host = hostFor(virtual);
  if (virtual.spec!.clusterIP !== 'None' && virtual.spec!.type !== 'ExternalName') virtual.spec = { ...virtual.spec, clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7'] };
  return { virtual, host };
}

const plan = (virtual: V1Service | undefined, host: V1Service | undefined, r = ref) => planServiceSync({ virtual, host, ref: r, ctx });
const is = <T extends ServiceSyncPlan['type']>(p: ServiceSyncPlan, type: T) => p as Extract<ServiceSyncPlan, { type: T }>;

t.test('when a Service is translated, then its host form keeps ports and shape and leaves addresses to the host', async (t) => {
  const host = translateService(virtualService({ type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 31000 }] }), ctx);
  t.equal(host.metadata?.name, HOST_NAME);
  t.equal(host.metadata?.namespace, 'vc-host');
  t.match(host.metadata?.annotations, { 'vcluster.loft.sh/object-kind': '/v1, Kind=Service', 'vcluster.loft.sh/object-name': 'web', 'vcluster.loft.sh/object-namespace': 'shop', 'vcluster.loft.sh/object-uid': 'v-uid', team: 'a' });
  t.same(host.spec?.ports, [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], 'no node port: the host allocates its own');
  t.equal(host.spec?.type, 'NodePort');
  t.notOk(host.spec?.clusterIP, 'no ClusterIP: the host allocates one');
  t.notOk(host.spec?.clusterIPs);
  t.notOk(host.spec?.ipFamilies, 'address families are the host\'s to choose');
  t.equal(translateService(virtualService({ clusterIP: 'None', clusterIPs: ['None'] }), ctx).spec?.clusterIP, 'None', 'headless stays headless');
  const ext = translateService(virtualService({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: undefined, clusterIPs: undefined, selector: undefined }), ctx);
  t.match(ext.spec, { type: 'ExternalName', externalName: 'db.example.com' });
});

t.test('when a selector is translated, then it selects exactly the host pods of that virtual namespace\'s pods', async (t) => {
  const selector = hostServiceSelector({ app: 'web', release: 'v2' }, 'shop', 'vc')!;
  t.equal(selector.app, 'web');
  t.equal(selector['vcluster.loft.sh/managed-by'], 'vc');
  t.equal(selector['vcluster.loft.sh/namespace'], 'shop');
  t.notOk('release' in selector, 'a reserved key is rewritten as host pod labels rewrite it');
  // The pods it must and must not select, labelled exactly as translation labels host pods.
  const podOf = (ns: string, labels: Record<string, string>, vc = 'vc') => hostLabels(labels, ns, vc);
  t.ok(matchesLabels(selector, podOf('shop', { app: 'web', release: 'v2', extra: 'x' })), 'a matching pod of the namespace');
  t.notOk(matchesLabels(selector, podOf('other', { app: 'web', release: 'v2' })), 'the same labels in another virtual namespace');
  t.notOk(matchesLabels(selector, podOf('shop', { app: 'web', release: 'v2' }, 'other-vc')), 'the same labels in another virtual cluster');
  t.notOk(matchesLabels(selector, { app: 'web', release: 'v2' }), 'a host pod podferry did not make');
  t.notOk(matchesLabels(selector, podOf('shop', { app: 'web', release: 'v1' })), 'another release');
  t.equal(hostServiceSelector(undefined, 'shop', 'vc'), undefined, 'no selector stays none');
  t.equal(hostServiceSelector({}, 'shop', 'vc'), undefined, 'an empty selector stays none (it would select the whole namespace)');
});

t.test('when a Service asks what the host must not give, then the violations say so', async (t) => {
  const v = serviceViolations(virtualService({ externalIPs: ['1.2.3.4'], selector: { app: 'web', 'podferry.dev/x': 'y', 'sidecar.istio.io/inject': 'true' } }), ctx);
  t.same(v.map((x) => [x.rule, x.field]), [['externalIPs', 'spec.externalIPs'], ['selector', 'spec.selector[podferry.dev/x]'], ['selector', 'spec.selector[sidecar.istio.io/inject]']]);
  t.match(v[0].message, /CVE-2020-8554/);
  t.same(serviceViolations(virtualService({ selector: { app: 'web', release: 'v1' } }), ctx), [], 'the reserved keys that are rewritten are fine');
  const refused = is(plan(virtualService({ externalIPs: ['1.2.3.4'] }), undefined), 'refuse');
  t.equal(refused.type, 'refuse', 'nothing is written');
});

t.test('when only the virtual Service exists, then the host one is created', async (t) => {
  const p = is(plan(virtualService(), undefined), 'create-host');
  t.equal(p.type, 'create-host');
  t.equal(p.service.metadata?.name, HOST_NAME);
});

t.test('when the host Service is current but the virtual address differs, then the virtual one is re-created with the host\'s', async (t) => {
  const virtual = virtualService();
  const p = is(plan(virtual, hostFor(virtual)), 'recreate-virtual');
  t.equal(p.type, 'recreate-virtual');
  t.equal(p.clusterIP, '10.96.7.7');
  t.same([p.service.spec?.clusterIP, p.service.spec?.clusterIPs], ['10.96.7.7', ['10.96.7.7']]);
  t.same(p.service.spec?.selector, { app: 'web' }, 'the virtual spec, not the host\'s');
  t.notOk(p.service.metadata?.uid ?? p.service.metadata?.resourceVersion, 'no server-set metadata');
  t.same(p.service.metadata?.labels, { app: 'web' });
  t.same(p.virtual, { namespace: 'shop', name: 'web', uid: 'v-uid', resourceVersion: '7' }, 'deleted at exactly what was read');
  t.equal(parseRecreateMarker(p.marker)?.uid, 'v-uid', 'the marker names the Service being re-created');
});

t.test('when the virtual Service vanished while the marker is on its host Service, then it is restored, not the host one deleted', async (t) => {
  const { virtual, host } = synced();
  const old = virtualService();
  host.metadata!.annotations![RECREATE_MARKER_ANNOTATION] = (is(plan(old, hostFor(old)), 'recreate-virtual')).marker;
  host.metadata!.annotations!['vcluster.loft.sh/object-uid'] = 'v-uid';
  const p = is(plan(undefined, host), 'restore-virtual');
  t.equal(p.type, 'restore-virtual');
  t.equal(p.service.spec?.clusterIP, '10.96.7.7');
  t.equal(p.service.metadata?.annotations?.team, 'a');
  host.metadata!.annotations!['vcluster.loft.sh/object-uid'] = 'a-later-uid';
  t.equal(plan(undefined, host).type, 'delete-host', 'a marker of an older Service restores nothing');
  void virtual;
});

t.test('when the two sides agree, then nothing, whatever defaults and annotations the host added', async (t) => {
  const { virtual, host } = synced();
  host.spec!.trafficDistribution = undefined;
  (host.spec as Record<string, unknown>).someFutureDefault = 'x';
  t.same(plan(virtual, host), { type: 'nothing', reason: 'in-sync' });
});

t.test('when the virtual selector or ports change, then the host Service is replaced, keeping its address and what the host added', async (t) => {
  const { virtual, host } = synced();
  virtual.spec!.selector = { app: 'shop-web' };
  virtual.spec!.ports = [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9090 }];
  host.metadata!.annotations![RECREATE_MARKER_ANNOTATION] = '{"uid":"stale"}';
  const p = is(plan(virtual, host), 'replace-host');
  t.equal(p.type, 'replace-host');
  t.same(p.changes, ['metadata', 'spec.selector', 'spec.ports']);
  t.equal(p.service.metadata?.resourceVersion, '100', 'replaced at the resourceVersion read');
  t.equal(p.service.spec?.clusterIP, '10.96.7.7');
  t.equal(p.service.spec?.selector?.app, 'shop-web');
  t.equal(p.service.metadata?.annotations?.['cloud.example.com/lb-id'], 'lb-1', 'host-added annotation kept');
  t.notOk(p.service.metadata?.annotations?.[RECREATE_MARKER_ANNOTATION], 'a stale marker is dropped');
});

t.test('when a label is removed from the virtual Service, then from the host one too', async (t) => {
  const { virtual, host } = synced();
  virtual.metadata!.labels = {};
  const p = is(plan(virtual, host), 'replace-host');
  t.notOk(p.service.metadata?.labels?.app);
  t.equal(p.service.metadata?.labels?.['vcluster.loft.sh/managed-by'], 'vc');
});

t.test('when a Service turns headless or into an ExternalName, then the host Service is made again (its address kind is immutable)', async (t) => {
  const { virtual, host } = synced();
  virtual.spec = { ...virtual.spec, clusterIP: 'None', clusterIPs: ['None'] };
  t.match(plan(virtual, host), { type: 'recreate-host', host: { name: HOST_NAME, uid: 'h-uid' } });
  const ext = synced();
  ext.virtual.spec = { type: 'ExternalName', externalName: 'db.example.com' };
  t.match(plan(ext.virtual, ext.host), { type: 'recreate-host', reason: 'the Service changed from cluster-ip to external-name' });
});

t.test('when headless and ExternalName Services are in sync, then there is no address to carry back', async (t) => {
  const headless = synced({ clusterIP: 'None', clusterIPs: ['None'] });
  t.same(plan(headless.virtual, headless.host), { type: 'nothing', reason: 'in-sync' });
  const ext = synced({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: undefined, clusterIPs: undefined, selector: undefined, ports: undefined });
  ext.host.spec = { ...ext.host.spec, clusterIP: undefined, clusterIPs: undefined };
  t.same(plan(ext.virtual, ext.host), { type: 'nothing', reason: 'in-sync' });
});

t.test('when the host gave other node ports, then the virtual Service is given them', async (t) => {
  const { virtual, host } = synced({ type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30001 }] });
  host.spec!.ports = [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 31999 }];
  const p = is(plan(virtual, host), 'update-virtual');
  t.equal(p.type, 'update-virtual');
  t.equal(p.service.spec?.ports?.[0].nodePort, 31999);
  t.equal(p.service.metadata?.resourceVersion, '7');
});

t.test('when the host load balancer has an address, then it comes back as the virtual status', async (t) => {
  const { virtual, host } = synced({ type: 'LoadBalancer' });
  host.status = { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } };
  const p = is(plan(virtual, host), 'report-status');
  t.same(p.status, { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } });
  t.equal(p.virtual.resourceVersion, '7');
});

t.test('when a host object under the name is not podferry\'s, then a conflict and nothing written', async (t) => {
  const foreign: V1Service = { metadata: { name: HOST_NAME, namespace: 'vc-host', labels: { app: 'theirs' } }, spec: { clusterIP: '10.96.1.1', ports: [{ port: 80 }] } };
  t.match(plan(virtualService(), foreign), { type: 'conflict', message: /not manage/ });
  t.same(plan(undefined, foreign), { type: 'nothing', reason: 'not-ours' }, 'and never deleted');
});

t.test('when the virtual Service is gone or going, then its host Service is deleted', async (t) => {
  const { virtual, host } = synced();
  t.match(plan(undefined, host), { type: 'delete-host', reason: 'virtual-gone', host: { uid: 'h-uid' } });
  virtual.metadata!.deletionTimestamp = new Date();
  t.match(plan(virtual, host), { type: 'delete-host', reason: 'virtual-deleting' });
  t.same(plan(undefined, undefined), { type: 'nothing', reason: 'both-gone' });
});

t.test('when the Service is the virtual API server\'s own, then it is never synced', async (t) => {
  const kubernetes = virtualService();
  kubernetes.metadata = { ...kubernetes.metadata, name: 'kubernetes', namespace: 'default' };
  t.same(plan(kubernetes, undefined, { namespace: 'default', name: 'kubernetes' }), { type: 'nothing', reason: 'not-synced' });
});
