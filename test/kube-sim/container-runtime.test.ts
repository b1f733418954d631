// The simulated container runtime's pure parts, as tables: $(VAR) expansion, the environment a container
// gets, downward API values and resource rendering, volume contents, the log's lines, and the port server.
import t from 'tap';
import { fieldRefValue, resourceFieldValue, type PodPlacement } from '../../infra/kube-sim/container-runtime/downward-api.js';
import { containerEnvironment, expandReferences } from '../../infra/kube-sim/container-runtime/env.js';
import { ContainerLog } from '../../infra/kube-sim/container-runtime/logs.js';
import { parseQuantity } from '../../infra/kube-sim/container-runtime/quantity.js';
import { serviceVariables } from '../../infra/kube-sim/container-runtime/service-env.js';
import { buildVolume } from '../../infra/kube-sim/container-runtime/volumes.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

const at: PodPlacement = { nodeName: 'sim-node-1', hostIP: '172.18.0.2', podIP: '10.244.1.7', allocatable: { cpu: '8', memory: '32863332Ki' } };
const pod: KubeObject = {
  metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', labels: { b: '2', a: '1' }, annotations: { note: 'x"y' } },
  spec: { serviceAccountName: 'builder', containers: [{ name: 'app', image: 'nginx', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m' } } }, { name: 'bare', image: 'nginx' }] },
};

t.test('when $(VAR) references are expanded, then they follow the kubelet\'s rules', async (t) => {
  const vars: Record<string, string> = { A: 'alpha', B: 'beta' };
  const cases: Array<[string, string]> = [
    ['$(A)', 'alpha'], ['x-$(A)-$(B)', 'x-alpha-beta'], ['$(MISSING)', '$(MISSING)'], ['$$(A)', '$(A)'],
    ['$A', '$A'], ['$(A', '$(A'], ['cost $$5', 'cost $5'], ['', ''],
  ];
  for (const [input, want] of cases) t.equal(expandReferences(input, (n) => vars[n]), want, input);
});

t.test('when downward API fields are read, then they are the pod\'s and the node\'s values', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['metadata.name', 'web'], ['metadata.namespace', 'shop'], ['metadata.uid', 'uid-1'], ["metadata.labels['a']", '1'],
    ['metadata.labels', 'a="1"\nb="2"'], ['metadata.annotations', 'note="x\\"y"'], ['spec.nodeName', 'sim-node-1'],
    ['spec.serviceAccountName', 'builder'], ['status.podIP', '10.244.1.7'], ['status.hostIP', '172.18.0.2'], ['spec.bogus', undefined],
  ];
  for (const [path, want] of cases) t.equal(fieldRefValue(pod, path, at), want, path);
});

t.test('when container resources are rendered, then values round up to the divisor and unset limits use the node', async (t) => {
  const cases: Array<[string, string, string | undefined, string]> = [
    ['app', 'limits.cpu', undefined, '1'], ['app', 'limits.cpu', '1m', '250'], ['app', 'requests.cpu', '1m', '100'],
    ['app', 'limits.memory', undefined, String(64 * 1024 * 1024)], ['app', 'limits.memory', '1Mi', '64'],
    ['bare', 'limits.cpu', undefined, '8'], ['bare', 'limits.memory', '1Ki', '32863332'], ['bare', 'requests.memory', undefined, '0'],
  ];
  for (const [c, resource, divisor, want] of cases) t.equal(resourceFieldValue(pod, c, { resource, divisor }, at), want, `${c} ${resource} / ${divisor}`);
  t.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  t.equal(parseQuantity('2e3'), 2000);
  t.ok(Number.isNaN(parseQuantity('lots')));
});

t.test('when a container\'s environment is built, then envFrom, env, service links and the runtime\'s variables come in order', async (t) => {
  const objects: Record<string, KubeObject> = {
    'configmap/cfg': { metadata: { name: 'cfg' }, data: { LEVEL: 'debug', MODE: 'slow' } },
    'secret/sec': { metadata: { name: 'sec' }, data: { TOKEN: Buffer.from('t0k').toString('base64') } },
  };
  const env = containerEnvironment({
    pod, at, hostname: 'web', lookup: (kind, name) => objects[`${kind}/${name}`],
    services: [{ metadata: { name: 'db-main', namespace: 'shop' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'pg', port: 5432 }] } }],
    container: {
      name: 'app',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'sec' } }, { configMapRef: { name: 'absent', optional: true } }],
      env: [
        { name: 'MODE', value: 'fast' },
        { name: 'URL', value: 'postgres://$(DB_MAIN_SERVICE_HOST):$(DB_MAIN_SERVICE_PORT)/$(MODE)' },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } },
        { name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    },
  });
  t.same(env.map(([k]) => k), [
    'PATH', 'HOSTNAME', 'LEVEL', 'MODE', 'S_TOKEN', 'URL', 'ME',
    'DB_MAIN_SERVICE_HOST', 'DB_MAIN_SERVICE_PORT', 'DB_MAIN_SERVICE_PORT_PG', 'DB_MAIN_PORT', 'DB_MAIN_PORT_5432_TCP',
    'DB_MAIN_PORT_5432_TCP_PROTO', 'DB_MAIN_PORT_5432_TCP_PORT', 'DB_MAIN_PORT_5432_TCP_ADDR', 'HOME',
  ]);
  const m = new Map(env);
  t.equal(m.get('MODE'), 'fast', 'env overrides envFrom');
  t.equal(m.get('URL'), 'postgres://10.96.0.20:5432/fast');
  t.equal(m.get('S_TOKEN'), 't0k');
  t.equal(m.get('DB_MAIN_PORT'), 'tcp://10.96.0.20:5432');
  t.same(serviceVariables({ metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } }), []);
});

t.test('when volumes are built, then keys, items, modes, decoding and the projected token are as the kubelet writes them', async (t) => {
  const objects: Record<string, KubeObject> = {
    'configmap/cfg': { metadata: { name: 'cfg' }, data: { 'a.conf': 'A', 'b.conf': 'B' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } },
    'secret/sec': { metadata: { name: 'sec' }, data: { pw: Buffer.from('hunter2').toString('base64') } },
    'serviceaccount/builder': { metadata: { name: 'builder', uid: 'sa-uid' } },
  };
  const ctx = { pod, at, lookup: (kind: string, name: string) => objects[`${kind}/${name}`], now: new Date('2025-01-01T00:00:00Z'), tokenKey: Buffer.alloc(32) } as Parameters<typeof buildVolume>[1];
  const names = (v: Record<string, unknown>) => [...buildVolume(v, ctx).dir.children!.keys()].sort();
  t.same(names({ configMap: { name: 'cfg' } }), ['a.conf', 'b.conf', 'bin']);
  const items = buildVolume({ configMap: { name: 'cfg', items: [{ key: 'a.conf', path: 'nested/x.conf', mode: 0o600 }] } }, ctx).dir;
  const file = items.children!.get('nested')!.children!.get('x.conf')!;
  t.same([file.data!.toString(), file.mode], ['A', 0o600]);
  t.equal(buildVolume({ secret: { secretName: 'sec' } }, ctx).dir.children!.get('pw')!.data!.toString(), 'hunter2');
  t.equal(buildVolume({ secret: { secretName: 'sec' } }, ctx).readOnly, true);
  t.same(names({ secret: { secretName: 'missing', optional: true } }), []);
  t.equal(buildVolume({ emptyDir: {} }, ctx).readOnly, false);
  const projected = buildVolume({ projected: { sources: [
    { serviceAccountToken: { path: 'token', expirationSeconds: 600, audience: 'vault' } },
    { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
  ] } }, ctx).dir;
  t.equal(projected.children!.get('ns')!.data!.toString(), 'shop');
  const [, claims] = projected.children!.get('token')!.data!.toString().split('.');
  t.match(JSON.parse(Buffer.from(claims!, 'base64url').toString()), {
    aud: ['vault'], iat: 1735689600, exp: 1735690200, sub: 'system:serviceaccount:shop:builder',
    'kubernetes.io': { namespace: 'shop', pod: { name: 'web', uid: 'uid-1' }, serviceaccount: { name: 'builder', uid: 'sa-uid' }, node: { name: 'sim-node-1' } },
  });
});

t.test('when output is written to a log, then lines are cut at newlines, a partial line waits for the end, and followers see both', async (t) => {
  const log = new ContainerLog();
  const seen: string[] = [];
  let ended = false;
  log.write('stdout', 'one\ntw');
  log.follow({ line: (l) => seen.push(l.text), end: () => (ended = true) });
  log.write('stdout', 'o\nthree');
  log.write('stderr', 'err\n');
  t.same(log.lines.map((l) => [l.stream, l.text]), [['stdout', 'one\n'], ['stdout', 'two\n'], ['stderr', 'err\n']]);
  log.end();
  t.same(seen, ['two\n', 'err\n', 'three']);
  t.equal(ended, true);
  const complete = log.lines.slice(0, 3);
  t.ok(complete.every((l, i) => i === 0 || l.ns > complete[i - 1]!.ns), 'timestamps increase');
  t.ok(log.lines[3]!.ns < log.lines[2]!.ns, 'the partial line keeps the time it was written');
  log.write('stdout', 'after the end\n');
  t.equal(log.lines.length, 4);
});
