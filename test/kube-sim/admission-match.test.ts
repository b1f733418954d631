import t from 'tap';
import {
  isExemptConfigurationKind, labelSelectorMatches, namespaceSelectorApplies, ruleMatches, selectorIsEmpty,
  type MatchRequest, type RuleWithOperations,
} from '../../infra/kube-sim/admission-match.js';

const pod = (over: Partial<MatchRequest> = {}): MatchRequest => ({
  operation: 'CREATE', group: '', version: 'v1', resource: 'pods', subresource: '', namespace: 'default', ...over,
});
const rule = (over: Partial<RuleWithOperations> = {}): RuleWithOperations => ({
  operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], ...over,
});

t.test('when rules are matched against requests, then they follow the real predicates', async (t) => {
  const table: Array<[string, RuleWithOperations, MatchRequest, boolean]> = [
    ['plain pods matches a pod create', rule(), pod(), true],
    ['plain pods does not match pods/status', rule(), pod({ subresource: 'status', operation: 'UPDATE' }), false],
    ['pods/status matches the status subresource', rule({ operations: ['UPDATE'], resources: ['pods/status'] }), pod({ subresource: 'status', operation: 'UPDATE' }), true],
    ['pods/* matches any pod subresource', rule({ resources: ['pods/*'] }), pod({ subresource: 'binding' }), true],
    // rules.go: a "*" subresource also equals the empty one, so pods/* reaches the pod itself.
    ['pods/* also matches the main resource', rule({ resources: ['pods/*'] }), pod(), true],
    ['* matches main resources only', rule({ resources: ['*'] }), pod({ subresource: 'status' }), false],
    ['* matches a configmap', rule({ resources: ['*'] }), pod({ resource: 'configmaps' }), true],
    ['*/* matches subresources too', rule({ resources: ['*/*'] }), pod({ subresource: 'status' }), true],
    ['*/status matches any status subresource', rule({ resources: ['*/status'] }), pod({ resource: 'services', subresource: 'status' }), true],
    ['operation must be listed', rule({ operations: ['UPDATE'] }), pod(), false],
    ['operation * matches DELETE', rule({ operations: ['*'] }), pod({ operation: 'DELETE' }), true],
    ['group must match', rule({ apiGroups: ['apps'] }), pod(), false],
    ['version * matches', rule({ apiVersions: ['*'] }), pod(), true],
    ['version must match', rule({ apiVersions: ['v1beta1'] }), pod(), false],
    ['empty operations match nothing', rule({ operations: [] }), pod(), false],
    ['scope Namespaced matches a namespaced pod', rule({ scope: 'Namespaced' }), pod(), true],
    ['scope Cluster skips a namespaced pod', rule({ scope: 'Cluster' }), pod(), false],
    ['scope Cluster matches a node', rule({ scope: 'Cluster', resources: ['nodes'] }), pod({ resource: 'nodes', namespace: '' }), true],
    ['scope Cluster matches a namespace object though it carries a namespace', rule({ scope: 'Cluster', resources: ['namespaces'] }), pod({ resource: 'namespaces', namespace: 'team-a' }), true],
    ['scope Namespaced never matches a namespace object', rule({ scope: 'Namespaced', resources: ['namespaces'] }), pod({ resource: 'namespaces', namespace: 'team-a' }), false],
    ['scope * matches everything', rule({ scope: '*', resources: ['nodes'] }), pod({ resource: 'nodes', namespace: '' }), true],
  ];
  for (const [name, r, req, want] of table) t.equal(ruleMatches(r, req), want, name);
});

t.test('when label selectors are evaluated, then matchLabels and matchExpressions all have to hold', async (t) => {
  const table: Array<[string, Parameters<typeof labelSelectorMatches>[0], Record<string, string> | undefined, boolean]> = [
    ['undefined selects everything', undefined, { a: '1' }, true],
    ['{} selects everything', {}, undefined, true],
    ['matchLabels equal', { matchLabels: { env: 'prod' } }, { env: 'prod' }, true],
    ['matchLabels differ', { matchLabels: { env: 'prod' } }, { env: 'dev' }, false],
    ['matchLabels on no labels', { matchLabels: { env: 'prod' } }, undefined, false],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }, { env: 'b' }, true],
    ['NotIn on absent key', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, {}, true],
    ['NotIn on listed value', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, { env: 'a' }, false],
    ['Exists', { matchExpressions: [{ key: 'x', operator: 'Exists' }] }, { x: '' }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, { x: '' }, false],
  ];
  for (const [name, sel, labels, want] of table) t.equal(labelSelectorMatches(sel, labels), want, name);
  t.throws(() => labelSelectorMatches({ matchExpressions: [{ key: 'x', operator: 'Near' }] }, {}), /not a valid label selector operator/);
  t.ok(selectorIsEmpty({ matchLabels: {} }));
  t.notOk(selectorIsEmpty({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }));
});

t.test('when a request is cluster-scoped, then only namespace objects are subject to namespaceSelector', async (t) => {
  t.ok(namespaceSelectorApplies(pod()));
  t.ok(namespaceSelectorApplies(pod({ resource: 'namespaces', namespace: 'x' })));
  t.notOk(namespaceSelectorApplies(pod({ resource: 'nodes', namespace: '' })));
  t.ok(isExemptConfigurationKind('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'));
  t.notOk(isExemptConfigurationKind('', 'Pod'));
});
