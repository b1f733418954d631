import t from 'tap';
import { checkPolicy, evaluatePolicy, type AuditPolicy } from '../../infra/kube-sim/audit-policy.js';
import { buildEvent, microTime } from '../../infra/kube-sim/audit-event.js';
import { backoffDelays } from '../../infra/kube-sim/audit-batcher.js';
import type { AuditRequest } from '../../infra/kube-sim/types.js';

const req = (over: Partial<AuditRequest> = {}): AuditRequest => ({
  auditID: 'a-1', verb: 'create', requestURI: '/api/v1/namespaces/team-a/pods?fieldManager=kubectl-create',
  user: { username: 'alice', groups: ['devs', 'system:authenticated'] }, sourceIPs: ['127.0.0.1'], userAgent: 'kubectl/v1.31.0',
  objectRef: { resource: 'pods', namespace: 'team-a', name: 'web', apiVersion: 'v1' },
  requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', managedFields: [{ manager: 'kubectl' }] } },
  requestReceivedTimestamp: '2026-01-02T03:04:05.123456Z', ...over,
});

const policy: AuditPolicy = checkPolicy({
  apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', users: ['system:kube-proxy'] },
    { level: 'None', nonResourceURLs: ['/healthz*', '/version'] },
    { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }] },
    { level: 'RequestResponse', verbs: ['create', 'update', 'patch', 'delete'], resources: [{ group: '', resources: ['pods', 'pods/status'] }], omitStages: ['ResponseStarted'] },
    { level: 'Request', resources: [{ group: '', resources: ['services'], resourceNames: ['kubernetes'] }] },
    { level: 'Request', userGroups: ['ops'], namespaces: ['kube-system'] },
    { level: 'Metadata', resources: [{ group: '', resources: ['*/scale', 'nodes/*'] }] },
    { level: 'None' },
  ],
});

t.test('when requests meet the policy, then the first matching rule decides the level', async (t) => {
  const table: Array<[string, Partial<AuditRequest>, string]> = [
    ['pod create is RequestResponse', {}, 'RequestResponse'],
    ['pod get falls through to None', { verb: 'get' }, 'None'],
    ['pods/status patch is RequestResponse', { verb: 'patch', objectRef: { resource: 'pods', subresource: 'status', namespace: 'team-a', name: 'web' } }, 'RequestResponse'],
    ['pods/binding is not named, so None', { objectRef: { resource: 'pods', subresource: 'binding', namespace: 'team-a', name: 'web' } }, 'None'],
    ['secret get is Metadata', { verb: 'get', objectRef: { resource: 'secrets', namespace: 'team-a', name: 's' } }, 'Metadata'],
    ['a user listed in a None rule', { user: { username: 'system:kube-proxy', groups: [] } }, 'None'],
    ['/healthz/etcd matches the prefix', { objectRef: undefined, verb: 'get', requestURI: '/healthz/etcd' }, 'None'],
    ['resourceNames restrict', { verb: 'get', objectRef: { resource: 'services', namespace: 'default', name: 'kubernetes' } }, 'Request'],
    ['resourceNames exclude others', { verb: 'get', objectRef: { resource: 'services', namespace: 'default', name: 'other' } }, 'None'],
    ['userGroups and namespaces', { verb: 'get', user: { username: 'bob', groups: ['ops'] }, objectRef: { resource: 'configmaps-x', namespace: 'kube-system' } }, 'Request'],
    ['userGroups without the namespace', { verb: 'get', user: { username: 'bob', groups: ['ops'] }, objectRef: { resource: 'x', namespace: 'default' } }, 'None'],
    ['*/scale matches any scale subresource', { verb: 'update', objectRef: { resource: 'deployments', subresource: 'scale', namespace: 'a' } }, 'Metadata'],
    ['nodes/* matches nodes/status', { verb: 'patch', objectRef: { resource: 'nodes', subresource: 'status', name: 'n1' } }, 'Metadata'],
    ['nodes/* matches nodes itself', { verb: 'get', objectRef: { resource: 'nodes', name: 'n1' } }, 'Metadata'],
    ['a group mismatch does not match', { objectRef: { resource: 'pods', apiGroup: 'metrics.k8s.io', namespace: 'a' } }, 'None'],
  ];
  for (const [name, over, level] of table) t.equal(evaluatePolicy(policy, req(over)).level, level, name);
  t.same(evaluatePolicy(policy, req()).omitStages.sort(), ['RequestReceived', 'ResponseStarted']);
  t.same(evaluatePolicy({ rules: [{ level: 'Metadata', users: ['x'] }] }, req()), { level: 'None', omitStages: [], omitManagedFields: false });
});

t.test('when a policy is invalid, then loading it fails as the real loader does', async (t) => {
  t.throws(() => checkPolicy({ rules: [] }, 'p.yaml'), /loaded illegal policy with 0 rules from file p.yaml/);
  t.throws(() => checkPolicy({ rules: [{ level: 'Everything' }] }), /Unsupported value: "Everything"/);
  t.throws(() => checkPolicy({ rules: [{ level: 'None', nonResourceURLs: ['/x'], resources: [{ resources: ['pods'] }] }] }), /both regular resources and non-resource URLs/);
});

t.test('when events are built per level and stage, then bodies appear only where the real server puts them', async (t) => {
  const ts = '2026-01-02T03:04:05.654321Z';
  const created = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', uid: 'p-1', managedFields: [{}] } };
  const full = { level: 'RequestResponse' as const, omitStages: [], omitManagedFields: false };
  t.equal(buildEvent('ResponseComplete', { ...full, level: 'None' }, req(), { code: 201 }, ts), undefined);
  t.equal(buildEvent('RequestReceived', { ...full, omitStages: ['RequestReceived'] }, req(), undefined, ts), undefined);

  const received = buildEvent('RequestReceived', full, req({ objectRef: { resource: 'pods', namespace: 'team-a', uid: 'x', resourceVersion: '3' } }), undefined, ts)!;
  t.same(Object.keys(received), ['level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'requestReceivedTimestamp', 'stageTimestamp']);
  t.same(received.objectRef, { resource: 'pods', namespace: 'team-a' });

  const complete = buildEvent('ResponseComplete', full, req(), { code: 201, responseObject: created }, ts)!;
  t.same(Object.keys(complete), ['level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations']);
  t.same(complete.responseStatus, { metadata: {}, code: 201 });
  t.same(complete.annotations, { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' });
  t.equal(complete.stageTimestamp, ts);

  const request = buildEvent('ResponseComplete', { ...full, level: 'Request', omitManagedFields: true }, req(), { code: 201, responseObject: created }, ts)!;
  t.notOk('responseObject' in request);
  t.same(request.requestObject, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web' } }, 'omitManagedFields strips them');

  const metadata = buildEvent('ResponseComplete', { ...full, level: 'Metadata' }, req(), { code: 201 }, ts)!;
  t.notOk('requestObject' in metadata);

  const failure = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "web" already exists', reason: 'AlreadyExists', details: { name: 'web', kind: 'pods' }, code: 409 };
  const failed = buildEvent('ResponseComplete', full, req(), { code: 409, status: failure, responseObject: failure }, ts)!;
  t.same(failed.responseStatus, { metadata: {}, status: 'Failure', message: 'pods "web" already exists', reason: 'AlreadyExists', details: { name: 'web', kind: 'pods' }, code: 409 });

  const unauthenticated = buildEvent('ResponseComplete', full, req(), { code: 401 }, ts)!;
  t.notOk('annotations' in unauthenticated);
  const long = buildEvent('ResponseComplete', full, req({ userAgent: 'x'.repeat(2000) }), { code: 200 }, ts)!;
  t.equal(long.userAgent, `${'x'.repeat(1024)}...TRUNCATED`);
});

t.test('when times and backoffs are computed, then they have the real shapes', async (t) => {
  t.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 123) + 0.4567), '2026-01-02T03:04:05.123456Z');
  t.same(backoffDelays(100, () => 0), [100, 150, 225, 337.5], 'four waits between five attempts, ×1.5');
  t.same(backoffDelays(100, () => 1), [120, 180, 270, 405], 'jitter adds at most 20 %');
});
