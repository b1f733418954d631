import t from 'tap';
import { isKubeError } from '../../infra/kube-sim/errors.js';
import { events, namespaces, nodes, pods, secrets, configMaps } from '../../infra/kube-sim/resources.js';
import {
  fieldValue, labelSelectorFromObject, matchFieldSelector, matchLabelSelector, parseFieldSelector, parseLabelSelector,
} from '../../infra/kube-sim/selectors.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

function thrown(fn: () => unknown): { code: number; message: string } | undefined {
  try { fn(); } catch (err) { if (isKubeError(err)) return { code: err.code, message: err.message }; throw err; }
  return undefined;
}

t.test('when a label selector string is parsed, then each form becomes its requirement', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['', []],
    ['app=web', [{ key: 'app', operator: '=', values: ['web'] }]],
    ['app==web', [{ key: 'app', operator: '=', values: ['web'] }]],
    ['app!=web', [{ key: 'app', operator: '!=', values: ['web'] }]],
    ['app=', [{ key: 'app', operator: '=', values: [''] }]],
    [' tier in ( b , a ) ', [{ key: 'tier', operator: 'in', values: ['a', 'b'] }]],
    ['tier notin (a)', [{ key: 'tier', operator: 'notin', values: ['a'] }]],
    ['tier in ()', [{ key: 'tier', operator: 'in', values: [''] }]],
    ['example.com/app', [{ key: 'example.com/app', operator: 'exists', values: [] }]],
    ['!app', [{ key: 'app', operator: '!', values: [] }]],
    ['a=1,b!=2, c, !d', [
      { key: 'a', operator: '=', values: ['1'] }, { key: 'b', operator: '!=', values: ['2'] },
      { key: 'c', operator: 'exists', values: [] }, { key: 'd', operator: '!', values: [] },
    ]],
    ['in in (in)', [{ key: 'in', operator: 'in', values: ['in'] }]],
    ['n>5', [{ key: 'n', operator: 'gt', values: ['5'] }]],
  ];
  for (const [input, want] of cases) t.same(parseLabelSelector(input), want, input);
});

const NAME_REGEX = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_REGEX = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

t.test('when a label selector is malformed, then a 400 carries the real parser message', async (t) => {
  const cases: Array<[string, string]> = [
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['=b', "found '=', expected: !, identifier, or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',', or identifier"],
    ['-a=b', `unable to parse requirement: <nil>: Invalid value: "-a": ${NAME_REGEX}`],
    ['a=b c d', "found 'c', expected: ',' or 'end of string'"],
    ['a=-b', `unable to parse requirement: values[0][a]: Invalid value: "-b": ${VALUE_REGEX}`],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['n>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
  ];
  for (const [input, message] of cases) t.same(thrown(() => parseLabelSelector(input)), { code: 400, message }, input);
});

t.test('when requirements are matched, then != and notin also match objects lacking the key', async (t) => {
  const labels = { app: 'web', tier: 'front', n: '7' };
  const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
    ['', undefined, true],
    ['app=web', labels, true],
    ['app=db', labels, false],
    ['app!=db', labels, true],
    ['missing!=x', labels, true],
    ['missing notin (x)', labels, true],
    ['tier notin (front)', labels, false],
    ['tier in (back,front)', labels, true],
    ['missing in (x)', labels, false],
    ['app', labels, true],
    ['!app', labels, false],
    ['!missing', undefined, true],
    ['app=web,tier=back', labels, false],
    ['n>5,n<8', labels, true],
    ['n>7', labels, false],
  ];
  for (const [sel, l, want] of cases) t.equal(matchLabelSelector(parseLabelSelector(sel), l), want, sel);
});

t.test('when a metav1.LabelSelector is converted, then empty selects all and bad operators are 400', async (t) => {
  t.same(labelSelectorFromObject(undefined), []);
  t.same(labelSelectorFromObject({}), []);
  const reqs = labelSelectorFromObject({
    matchLabels: { b: '2', a: '1' },
    matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }, { key: 'x', operator: 'DoesNotExist' }],
  });
  t.same(reqs, [
    { key: 'a', operator: '=', values: ['1'] }, { key: 'b', operator: '=', values: ['2'] },
    { key: 'env', operator: 'notin', values: ['prod'] }, { key: 'x', operator: '!', values: [] },
  ]);
  t.equal(matchLabelSelector(reqs, { a: '1', b: '2' }), true);
  t.equal(matchLabelSelector(reqs, { a: '1', b: '2', env: 'prod' }), false);
  t.same(thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] })),
    { code: 400, message: '"Equals" is not a valid label selector operator' });
  t.equal(thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }))?.code, 400);
  t.equal(thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }))?.code, 400);
  t.equal(thrown(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'x' } }))?.code, 400);
});

t.test('when a field selector is parsed, then only supported fields and =, ==, != pass', async (t) => {
  t.same(parseFieldSelector('spec.nodeName=n1,metadata.name==p,status.phase!=Failed', pods), [
    { field: 'metadata.name', operator: '=', value: 'p' },
    { field: 'spec.nodeName', operator: '=', value: 'n1' },
    { field: 'status.phase', operator: '!=', value: 'Failed' },
  ]);
  t.same(parseFieldSelector('', configMaps), []);
  t.same(parseFieldSelector('metadata.name=a\\,b', configMaps), [{ field: 'metadata.name', operator: '=', value: 'a,b' }]);
  t.same(parseFieldSelector('type=kubernetes.io/tls', secrets), [{ field: 'type', operator: '=', value: 'kubernetes.io/tls' }]);
  const errors: Array<[string, typeof pods, string]> = [
    ['spec.foo=x', pods, 'field label not supported: spec.foo'],
    ['metadata.namespace=x', namespaces, 'field label not supported: metadata.namespace'],
    ['data.x=y', configMaps, '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['metadata.name', pods, "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['a in (b)', configMaps, "invalid selector: 'a in (b)'; can't understand 'a in (b)'"],
  ];
  for (const [input, resource, message] of errors) t.same(thrown(() => parseFieldSelector(input, resource)), { code: 400, message }, input);
});

t.test('when field values are read, then special fields follow the real conversion functions', async (t) => {
  const pod: KubeObject = {
    kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
    spec: { nodeName: 'n1', hostNetwork: true }, status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
  };
  const cases: Array<[KubeObject, string, string]> = [
    [pod, 'metadata.name', 'p'],
    [pod, 'status.podIP', '10.0.0.1'],
    [pod, 'spec.hostNetwork', 'true'],
    [{ metadata: {}, spec: {} }, 'spec.hostNetwork', 'false'],
    [pod, 'status.nominatedNodeName', ''],
    [{ kind: 'Event', metadata: {}, source: { component: 'kubelet' }, involvedObject: { name: 'p' } }, 'source', 'kubelet'],
    [{ kind: 'Event', metadata: {}, involvedObject: { name: 'p' } }, 'involvedObject.name', 'p'],
    [{ kind: 'Node', metadata: {}, spec: { unschedulable: true } }, 'spec.unschedulable', 'true'],
  ];
  for (const [obj, field, want] of cases) t.equal(fieldValue(obj, field), want, field);
  t.equal(matchFieldSelector(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed', pods), pod), true);
  t.equal(matchFieldSelector(parseFieldSelector('spec.nodeName!=n1', pods), pod), false);
  t.equal(matchFieldSelector(parseFieldSelector('involvedObject.kind=Pod', events), { metadata: {}, involvedObject: { kind: 'Pod' } }), true);
  t.equal(matchFieldSelector(parseFieldSelector('spec.unschedulable=false', nodes), { metadata: {} }), true);
});

t.test('when label keys and values break the syntax rules, then each rule reports its own message', async (t) => {
  const long = 'a'.repeat(64);
  const cases: Array<[string, string]> = [
    ['a/b/c', `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
    ['/x', 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty'],
    ['Ex.com/x', `unable to parse requirement: <nil>: Invalid value: "Ex.com/x": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`],
    [`${long}`, `unable to parse requirement: <nil>: Invalid value: "${long}": name part must be no more than 63 characters`],
    ['x/', `unable to parse requirement: <nil>: Invalid value: "x/": name part must be non-empty; ${NAME_REGEX}`],
    [`k=${long}`, `unable to parse requirement: values[0][k]: Invalid value: "${long}": must be no more than 63 characters`],
  ];
  for (const [input, message] of cases) t.same(thrown(() => parseLabelSelector(input)), { code: 400, message }, input);
});
