// Service link variables in kubelet's format (pkg/kubelet/envvars FromServices and its TestFromServices table:
// the same services give the same variables, in the same order).
import t from 'tap';
import type { V1PodSpec } from '@kubernetes/client-node';
import { envVariableName, serviceLinkVariables, withServiceLinks } from '../../functions/_shared/core/service-links.js';

t.test("when kubelet's own table is given, then the same variables in the same order", async (t) => {
  const vars = serviceLinkVariables([
    { name: 'foo-bar', clusterIP: '1.2.3.4', ports: [{ port: 8080, protocol: 'TCP' }] },
    { name: 'abc-123', clusterIP: '5.6.7.8', ports: [{ name: 'u-d-p', port: 8081, protocol: 'UDP' }, { name: 't-c-p', port: 8081, protocol: 'TCP' }] },
    { name: 'q-u-u-x', clusterIP: '9.8.7.6', ports: [{ port: 8082, protocol: 'TCP' }, { name: '8083', port: 8083, protocol: 'TCP' }] },
    { name: 'svrc-clusterip-none', clusterIP: 'None', ports: [{ port: 8082, protocol: 'TCP' }] },
    { name: 'svrc-clusterip-empty', clusterIP: '', ports: [{ port: 8082, protocol: 'TCP' }] },
  ]);
  t.same(vars.map((v) => [v.name, v.value]), [
    ['FOO_BAR_SERVICE_HOST', '1.2.3.4'],
    ['FOO_BAR_SERVICE_PORT', '8080'],
    ['FOO_BAR_PORT', 'tcp://1.2.3.4:8080'],
    ['FOO_BAR_PORT_8080_TCP', 'tcp://1.2.3.4:8080'],
    ['FOO_BAR_PORT_8080_TCP_PROTO', 'tcp'],
    ['FOO_BAR_PORT_8080_TCP_PORT', '8080'],
    ['FOO_BAR_PORT_8080_TCP_ADDR', '1.2.3.4'],
    ['ABC_123_SERVICE_HOST', '5.6.7.8'],
    ['ABC_123_SERVICE_PORT', '8081'],
    ['ABC_123_SERVICE_PORT_U_D_P', '8081'],
    ['ABC_123_SERVICE_PORT_T_C_P', '8081'],
    ['ABC_123_PORT', 'udp://5.6.7.8:8081'],
    ['ABC_123_PORT_8081_UDP', 'udp://5.6.7.8:8081'],
    ['ABC_123_PORT_8081_UDP_PROTO', 'udp'],
    ['ABC_123_PORT_8081_UDP_PORT', '8081'],
    ['ABC_123_PORT_8081_UDP_ADDR', '5.6.7.8'],
    ['ABC_123_PORT_8081_TCP', 'tcp://5.6.7.8:8081'],
    ['ABC_123_PORT_8081_TCP_PROTO', 'tcp'],
    ['ABC_123_PORT_8081_TCP_PORT', '8081'],
    ['ABC_123_PORT_8081_TCP_ADDR', '5.6.7.8'],
    ['Q_U_U_X_SERVICE_HOST', '9.8.7.6'],
    ['Q_U_U_X_SERVICE_PORT', '8082'],
    ['Q_U_U_X_SERVICE_PORT_8083', '8083'],
    ['Q_U_U_X_PORT', 'tcp://9.8.7.6:8082'],
    ['Q_U_U_X_PORT_8082_TCP', 'tcp://9.8.7.6:8082'],
    ['Q_U_U_X_PORT_8082_TCP_PROTO', 'tcp'],
    ['Q_U_U_X_PORT_8082_TCP_PORT', '8082'],
    ['Q_U_U_X_PORT_8082_TCP_ADDR', '9.8.7.6'],
    ['Q_U_U_X_PORT_8083_TCP', 'tcp://9.8.7.6:8083'],
    ['Q_U_U_X_PORT_8083_TCP_PROTO', 'tcp'],
    ['Q_U_U_X_PORT_8083_TCP_PORT', '8083'],
    ['Q_U_U_X_PORT_8083_TCP_ADDR', '9.8.7.6'],
  ]);
});

const table: Array<[string, Parameters<typeof serviceLinkVariables>[0], Array<[string, string]>]> = [
  ['when the protocol is unset, then TCP (the API default)', [{ name: 'web', clusterIP: '10.96.0.9', ports: [{ port: 80 }] }], [
    ['WEB_SERVICE_HOST', '10.96.0.9'], ['WEB_SERVICE_PORT', '80'], ['WEB_PORT', 'tcp://10.96.0.9:80'],
    ['WEB_PORT_80_TCP', 'tcp://10.96.0.9:80'], ['WEB_PORT_80_TCP_PROTO', 'tcp'], ['WEB_PORT_80_TCP_PORT', '80'], ['WEB_PORT_80_TCP_ADDR', '10.96.0.9'],
  ]],
  ['when the address is IPv6, then URLs bracket it (net.JoinHostPort) and _ADDR does not', [{ name: 'v6', clusterIP: 'fd00::a', ports: [{ port: 53, protocol: 'SCTP' }] }], [
    ['V6_SERVICE_HOST', 'fd00::a'], ['V6_SERVICE_PORT', '53'], ['V6_PORT', 'sctp://[fd00::a]:53'],
    ['V6_PORT_53_SCTP', 'sctp://[fd00::a]:53'], ['V6_PORT_53_SCTP_PROTO', 'sctp'], ['V6_PORT_53_SCTP_PORT', '53'], ['V6_PORT_53_SCTP_ADDR', 'fd00::a'],
  ]],
  ['when a Service has no ports (ExternalName), then nothing', [{ name: 'ext', clusterIP: '10.96.0.3', ports: [] }], []],
  ['when a Service has no address (not yet synced), then nothing', [{ name: 'late', ports: [{ port: 80 }] }], []],
];
for (const [name, services, want] of table) {
  t.test(name, async (t) => {
    t.same(serviceLinkVariables(services).map((v) => [v.name, v.value]), want);
  });
}

t.test('when names hold dashes, then upper case with underscores', async (t) => {
  t.equal(envVariableName('my-db-primary'), 'MY_DB_PRIMARY');
});

t.test('when the variables are written into a pod, then first and sorted in every container; a container\'s own name wins', async (t) => {
  const spec: V1PodSpec = {
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [{ name: 'app', image: 'nginx', env: [{ name: 'WEB_SERVICE_PORT', value: 'mine' }, { name: 'URL', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT)' }] }],
  };
  withServiceLinks(spec, serviceLinkVariables([{ name: 'web', clusterIP: '10.96.0.9', ports: [{ port: 80 }] }]));
  const app = spec.containers[0].env!.map((e) => e.name);
  t.same(app.slice(0, 6), ['WEB_PORT', 'WEB_PORT_80_TCP', 'WEB_PORT_80_TCP_ADDR', 'WEB_PORT_80_TCP_PORT', 'WEB_PORT_80_TCP_PROTO', 'WEB_SERVICE_HOST'], 'sorted, before the container\'s own');
  t.same(app.slice(6), ['WEB_SERVICE_PORT', 'URL'], 'the container\'s own entries follow, unchanged');
  t.equal(spec.containers[0].env!.filter((e) => e.name === 'WEB_SERVICE_PORT').length, 1, 'its own WEB_SERVICE_PORT is the only one');
  t.equal(spec.containers[0].env!.find((e) => e.name === 'WEB_SERVICE_PORT')!.value, 'mine');
  t.equal(spec.initContainers![0].env!.length, 7, 'init containers get them too');
});

t.test('when there are no variables, then the spec is untouched', async (t) => {
  const spec: V1PodSpec = { containers: [{ name: 'app', image: 'nginx' }] };
  withServiceLinks(spec, []);
  t.equal(spec.containers[0].env, undefined);
});
