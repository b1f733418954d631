// Service ClusterIP and NodePort allocation in the in-process API: addresses from the configured range, a
// requested one honoured or refused with kube-apiserver's message, headless and ExternalName services left
// without one, and updates that keep what was allocated.
import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { services } from '../../infra/kube-sim/resources.js';
import { parseCidr } from '../../infra/kube-sim/service-network.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';
import { statusOf, wo } from './api-test-helpers.js';

type Spec = Record<string, any>;
const svc = (name: string, spec: Spec = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const specOf = (o: KubeObject) => o.spec as Spec;
const inRange = (ip: string, base: string) => ip.split('.').slice(0, 2).join('.') === base;

t.test('when a Service names no address, then it gets a free one from the configured range, with its family', async (t) => {
  const api = createApi({ serviceCidr: '10.43.0.0/16' });
  const ips = new Set<string>();
  for (const n of ['a', 'b', 'c', 'd']) {
    const s = specOf(await api.create(services, 'default', svc(n), wo()));
    t.ok(inRange(s.clusterIP, '10.43'), s.clusterIP);
    t.same(s.clusterIPs, [s.clusterIP]);
    t.same(s.ipFamilies, ['IPv4']);
    t.equal(s.ipFamilyPolicy, 'SingleStack');
    ips.add(s.clusterIP);
  }
  t.equal(ips.size, 4, 'every Service has its own address');
});

t.test('when a Service asks for an address, then it gets it, or the real 422 when it is taken or out of range', async (t) => {
  const api = createApi({ serviceCidr: '10.43.0.0/16' });
  t.equal(specOf(await api.create(services, 'default', svc('dns', { clusterIP: '10.43.0.10' }), wo())).clusterIP, '10.43.0.10');
  t.match(await statusOf(api.create(services, 'default', svc('again', { clusterIP: '10.43.0.10' }), wo())), {
    code: 422, reason: 'Invalid',
    message: 'Service "again" is invalid: spec.clusterIPs: Invalid value: []string{"10.43.0.10"}: failed to allocate IP 10.43.0.10: provided IP is already allocated',
  });
  t.match(await statusOf(api.create(services, 'default', svc('far', { clusterIP: '1.1.1.1' }), wo())), {
    code: 422,
    message: 'Service "far" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16',
  });
  await api.delete(services, 'default', 'dns', {}, wo());
  t.equal(specOf(await api.create(services, 'default', svc('reuse', { clusterIP: '10.43.0.10' }), wo())).clusterIP, '10.43.0.10', 'a deleted Service frees its address');
  const dry = await api.create(services, 'default', svc('dry', { clusterIP: '10.43.0.11' }), wo({ dryRun: true }));
  t.equal(specOf(dry).clusterIP, '10.43.0.11');
  t.equal(specOf(await api.create(services, 'default', svc('wet', { clusterIP: '10.43.0.11' }), wo())).clusterIP, '10.43.0.11', 'a dry run reserves nothing');
});

t.test('when a Service is headless or ExternalName, then it holds no address', async (t) => {
  const api = createApi();
  const headless = specOf(await api.create(services, 'default', svc('h', { clusterIP: 'None' }), wo()));
  t.equal(headless.clusterIP, 'None');
  t.same(headless.clusterIPs, ['None']);
  const external = specOf(await api.create(services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } }, wo()));
  t.notOk(external.clusterIP);
});

t.test('when a NodePort Service is created, then each port gets a node port, and a taken or foreign one is refused', async (t) => {
  const api = createApi();
  const np = specOf(await api.create(services, 'default', svc('np', { type: 'NodePort', ports: [{ port: 80 }, { port: 443, nodePort: 30443 }] }), wo()));
  t.ok(np.ports[0].nodePort >= 30000 && np.ports[0].nodePort <= 32767, String(np.ports[0].nodePort));
  t.equal(np.ports[1].nodePort, 30443);
  t.match(await statusOf(api.create(services, 'default', svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30443 }] }), wo())), {
    code: 422, message: 'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30443: provided port is already allocated',
  });
  t.match(await statusOf(api.create(services, 'default', svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }), wo())), {
    message: 'Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
  });
});

t.test('when a Service is updated without its address, then it keeps it; changing it is refused; a type change allocates', async (t) => {
  const api = createApi();
  const created = await api.create(services, 'default', svc('web'), wo());
  const ip = specOf(created).clusterIP;
  const { clusterIP: _ip, clusterIPs: _ips, ...rest } = specOf(created);
  const updated = await api.update(services, 'default', 'web', { ...created, spec: { ...rest, ports: [{ port: 8080 }] } }, wo());
  t.equal(specOf(updated).clusterIP, ip);
  t.equal(specOf(updated).ports[0].port, 8080);
  t.match(await statusOf(api.patch(services, 'default', 'web', 'merge', { spec: { clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'] } }, wo())), {
    code: 422, message: /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.0\.99"\}: may not change once set/,
  });
  const typed = await api.patch(services, 'default', 'web', 'merge', { spec: { type: 'NodePort' } }, wo());
  t.ok((specOf(typed.object).ports[0].nodePort ?? 0) >= 30000, 'switching to NodePort allocates a node port');
  t.equal(specOf(typed.object).clusterIP, ip);
});

t.test('when a CIDR is parsed, then it is normalised and nonsense is refused', async (t) => {
  t.same(parseCidr('10.96.3.4/12'), { base: (10 * 256 + 96) * 65536, size: 2 ** 20, text: '10.96.0.0/12' });
  t.throws(() => parseCidr('10.96.0.0'));
  t.throws(() => parseCidr('300.1.1.1/16'));
});

t.test('when npm run sim is given a data dir and a service range, then the cluster options carry them', async (t) => {
  const { parseCliArgs } = await import('../../infra/kube-sim/cli-args.js');
  t.match(parseCliArgs(['--mode', 'host', '--kubeconfig-out', 'k', '--data-dir', '/srv/sim', '--service-cidr', '10.0.0.0/16']).cluster, { mode: 'host', dataDir: '/srv/sim', serviceCidr: '10.0.0.0/16' });
});
