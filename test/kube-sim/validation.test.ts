import t from 'tap';
import { configMaps, namespaces, pods, services } from '../../infra/kube-sim/resources.js';
import { deepEqual, dns1123LabelErrors, validateObjectMeta, validatePodSpec, validatePodSpecUpdate } from '../../infra/kube-sim/validation.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

const spec = (extra: Record<string, unknown> = {}) => ({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', containers: [{ name: 'c', image: 'nginx' }], ...extra });
const podOf = (s: Record<string, unknown>): KubeObject => ({ metadata: { name: 'p' }, spec: s });

t.test('when object names are checked, then each type applies its own DNS rule', async (t) => {
  const cases: Array<[typeof pods, string, boolean]> = [
    [pods, 'web-1', true], [pods, 'web.example', true], [pods, 'Web', false], [pods, '-web', false], [pods, 'a'.repeat(254), false],
    [namespaces, 'team-a', true], [namespaces, 'team.a', false], [namespaces, 'a'.repeat(64), false],
    [services, 'svc', true], [services, '1svc', false], [configMaps, 'kube-root-ca.crt', true],
  ];
  for (const [resource, name, ok] of cases) {
    const causes = validateObjectMeta(resource, { metadata: { name } });
    t.equal(causes.length === 0, ok, `${resource.kind} ${name.slice(0, 20)}`);
    if (!ok) t.equal(causes[0].field, 'metadata.name');
  }
  t.same(validateObjectMeta(configMaps, { metadata: {} }), [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  t.match(validateObjectMeta(configMaps, { metadata: { name: 'x', labels: { 'bad key!': 'v' } } }), [{ field: 'metadata.labels', reason: 'FieldValueInvalid' }]);
  t.match(dns1123LabelErrors('A'), [/^a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character \(e\.g\. 'my-name',  or '123-abc', regex used for validation is '\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?'\)$/]);
});

t.test('when a pod spec is created, then the common mistakes give the real fields and messages', async (t) => {
  const cases: Array<[string, Record<string, unknown>, Array<{ field: string; message: string | RegExp }>]> = [
    ['valid', spec(), []],
    ['no containers', spec({ containers: [] }), [{ field: 'spec.containers', message: 'Required value' }]],
    ['no image', spec({ containers: [{ name: 'c' }] }), [{ field: 'spec.containers[0].image', message: 'Required value' }]],
    ['no name', spec({ containers: [{ image: 'x' }] }), [{ field: 'spec.containers[0].name', message: 'Required value' }]],
    ['bad name', spec({ containers: [{ name: 'C_1', image: 'x' }] }), [{ field: 'spec.containers[0].name', message: /^Invalid value: "C_1": a lowercase RFC 1123 label/ }]],
    ['duplicate', spec({ containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] }), [{ field: 'spec.containers[1].name', message: 'Duplicate value: "c"' }]],
    ['init duplicates app', spec({ initContainers: [{ name: 'c', image: 'x' }] }), [{ field: 'spec.initContainers[0].name', message: 'Duplicate value: "c"' }]],
    ['restartPolicy', spec({ restartPolicy: 'Sometimes' }), [{ field: 'spec.restartPolicy', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' }]],
    ['pull policy', spec({ containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Maybe' }] }), [{ field: 'spec.containers[0].imagePullPolicy', message: /^Unsupported value: "Maybe"/ }]],
    ['mount of a missing volume', spec({ containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/v' }] }] }), [{ field: 'spec.containers[0].volumeMounts[0].name', message: 'Not found: "v"' }]],
    ['duplicate volume', spec({ volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }), [{ field: 'spec.volumes[1].name', message: 'Duplicate value: "v"' }]],
    ['deadline', spec({ activeDeadlineSeconds: 0 }), [{ field: 'spec.activeDeadlineSeconds', message: /^Invalid value: 0/ }]],
  ];
  for (const [what, s, expected] of cases) {
    const causes = validatePodSpec(podOf(s));
    t.equal(causes.length, expected.length, what);
    expected.forEach((e, i) => t.match(causes[i], e, what));
  }
});

t.test('when a pod spec update is checked, then only the allowed changes pass', async (t) => {
  const old = spec({ tolerations: [{ key: 'a', operator: 'Exists' }], activeDeadlineSeconds: 100, terminationGracePeriodSeconds: -1, schedulingGates: [{ name: 'g' }] });
  const cases: Array<[string, (s: any) => void, boolean]> = [
    ['nothing', () => {}, true],
    ['image', (s) => { s.containers[0].image = 'nginx:2'; }, true],
    ['deadline lowered', (s) => { s.activeDeadlineSeconds = 50; }, true],
    ['deadline raised', (s) => { s.activeDeadlineSeconds = 500; }, false],
    ['deadline removed', (s) => { delete s.activeDeadlineSeconds; }, false],
    ['toleration added', (s) => { s.tolerations.push({ key: 'b', operator: 'Exists' }); }, true],
    ['toleration changed', (s) => { s.tolerations[0].key = 'z'; }, false],
    ['grace from negative to 1', (s) => { s.terminationGracePeriodSeconds = 1; }, true],
    ['grace to 5', (s) => { s.terminationGracePeriodSeconds = 5; }, false],
    ['scheduling gate removed', (s) => { s.schedulingGates = []; }, true],
    ['scheduling gate added', (s) => { s.schedulingGates.push({ name: 'h' }); }, false],
    ['dnsPolicy', (s) => { s.dnsPolicy = 'Default'; }, false],
    ['container name', (s) => { s.containers[0].name = 'd'; }, false],
  ];
  for (const [what, change, allowed] of cases) {
    const next = structuredClone(old);
    change(next);
    const causes = validatePodSpecUpdate(next, old);
    t.equal(causes.length === 0, allowed, what);
    if (!allowed) t.match(causes[0], { field: 'spec', reason: 'FieldValueForbidden', message: /^Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/ }, what);
  }
  t.match(validatePodSpecUpdate(spec({ containers: [{ name: 'c', image: '' }] }), spec()), [{ field: 'spec.containers[0].image', message: 'Required value' }]);
});

t.test('when JSON values are compared, then key order and undefined keys do not matter', async (t) => {
  const cases: Array<[unknown, unknown, boolean]> = [
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1, x: undefined }, { a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: null }, { a: {} }, false],
    [{ a: [] }, { a: {} }, false],
    ['1', 1, false],
  ];
  for (const [a, b, eq] of cases) t.equal(deepEqual(a, b), eq, JSON.stringify([a, b]));
});
