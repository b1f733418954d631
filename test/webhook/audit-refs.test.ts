import t from 'tap';
import { podRefFromAuditEvent, podRefsFromAuditEvents, type AuditEvent } from '../../functions/webhook/audit-refs.js';

const own = new Set(['podferry-syncer']);
const base: AuditEvent = {
  stage: 'ResponseComplete',
  verb: 'update',
  user: { username: 'alice' },
  objectRef: { resource: 'pods', namespace: 'default', name: 'web', apiVersion: 'v1' } as AuditEvent['objectRef'],
  responseStatus: { code: 200 },
};
const withRef = (r: Record<string, unknown>): AuditEvent => ({ ...base, objectRef: { ...base.objectRef, ...r } });
const podBody = (name: string, uid: string) => ({ kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: 'default', uid } });

const table: Array<[string, AuditEvent, object | undefined]> = [
  ['when a pod update committed, then its ref', base, { name: 'web' }],
  ['when the stage is RequestReceived, then nothing', { ...base, stage: 'RequestReceived' }, undefined],
  ['when the response was 403, then nothing', { ...base, responseStatus: { code: 403 } }, undefined],
  ['when the response status is missing, then nothing', { ...base, responseStatus: null }, undefined],
  ['when the verb is get, then nothing', { ...base, verb: 'get' }, undefined],
  ['when the verb is deletecollection, then nothing (no name; resync covers it)', { ...base, verb: 'deletecollection', objectRef: { resource: 'pods', namespace: 'default' } }, undefined],
  ['when the verb is patch, then its ref', { ...base, verb: 'patch', requestObject: [{ op: 'add' }] }, { name: 'web' }],
  ['when the verb is delete with the deleted pod returned, then its ref with uid', { ...base, verb: 'delete', responseObject: podBody('web', 'u-del') }, { name: 'web', uid: 'u-del' }],
  ['when the resource is configmaps, then nothing', withRef({ resource: 'configmaps' }), undefined],
  ['when the api group is not core, then nothing', withRef({ apiGroup: 'metrics.k8s.io' }), undefined],
  ['when podferry itself wrote, then nothing', { ...base, user: { username: 'podferry-syncer' } }, undefined],
  ['when someone impersonated podferry, then nothing', { ...base, impersonatedUser: { username: 'podferry-syncer' } }, undefined],
  ['when podferry impersonated someone else, then their ref', { ...base, user: { username: 'podferry-syncer' }, impersonatedUser: { username: 'bob' } }, { name: 'web' }],
  ['when someone else changed the status subresource (a readiness gate), then its ref', withRef({ subresource: 'status' }), { name: 'web' }],
  ['when podferry changed the status subresource, then nothing', { ...withRef({ subresource: 'status' }), user: { username: 'podferry-syncer' } }, undefined],
  ['when the binding subresource changed, then nothing', { ...withRef({ subresource: 'binding' }), verb: 'create' }, undefined],
  ['when the pod was evicted, then its ref, without trusting the Eviction body', { ...withRef({ subresource: 'eviction' }), verb: 'create', requestObject: { kind: 'Eviction', metadata: { name: 'web', uid: 'not-the-pod' } } }, { name: 'web' }],
  ['when ephemeral containers were added, then its ref', withRef({ subresource: 'ephemeralcontainers' }), { name: 'web' }],
  ['when resources were resized, then its ref', { ...withRef({ subresource: 'resize' }), verb: 'patch' }, { name: 'web' }],
  ['when exec was used, then nothing', { ...withRef({ subresource: 'exec' }), verb: 'create' }, undefined],
  ['when a generateName create committed, then the generated name and uid from the response', { ...base, verb: 'create', objectRef: { resource: 'pods', namespace: 'default' }, responseStatus: { code: 201 }, responseObject: podBody('web-x7k2p', 'u-gen') }, { name: 'web-x7k2p', uid: 'u-gen' }],
  ['when a generateName create was logged at Metadata level, then nothing (no name known)', { ...base, verb: 'create', objectRef: { resource: 'pods', namespace: 'default' }, responseStatus: { code: 201 } }, undefined],
  ['when an update carried the uid in the request body, then that uid', { ...base, requestObject: podBody('web', 'u-req') }, { name: 'web', uid: 'u-req' }],
  ['when objectRef has a uid, then that uid', withRef({ uid: 'u-ref' }), { name: 'web', uid: 'u-ref' }],
  ['when there is no objectRef, then nothing', { ...base, objectRef: null }, undefined],
  ['when there is no namespace, then nothing', withRef({ namespace: undefined }), undefined],
  ['when the name is not a DNS name, then nothing (it would break the job key)', withRef({ name: 'a:b/c' }), undefined],
  ['when the namespace is not a DNS label, then nothing', withRef({ namespace: 'Default' }), undefined],
];

for (const [name, event, want] of table) {
  t.test(name, async (t) => {
    const got = podRefFromAuditEvent(event, 'vc1', own);
    if (want === undefined) t.equal(got, undefined);
    else t.same(got, { cluster: 'vc1', kind: 'Pod', namespace: 'default', ...want });
  });
}

t.test('when a batch mixes events, then refs come out in order, one per qualifying event', async (t) => {
  const refs = podRefsFromAuditEvents([base, { ...base, stage: 'RequestReceived' }, withRef({ name: 'db' })], 'vc1', own);
  t.same(refs.map((r) => r.name), ['web', 'db']);
});

t.test('when audit events are about objects pods depend on, Services or claims, then their refs; namespace updates give the namespace', async (t) => {
  const { dependencyRefFromAuditEvent, refsFromAuditEvents } = await import('../../functions/webhook/audit-refs.js');
  const ev = (objectRef: Record<string, unknown>, over: Partial<AuditEvent> = {}): AuditEvent => ({ ...base, objectRef: objectRef as AuditEvent['objectRef'], ...over });
  const rows: Array<[string, AuditEvent, object | undefined]> = [
    ['a ConfigMap update', ev({ resource: 'configmaps', namespace: 'default', name: 'cfg' }), { kind: 'ConfigMap', namespace: 'default', name: 'cfg' }],
    ['a Secret create', ev({ resource: 'secrets', namespace: 'team-a', name: 'db.creds' }, { verb: 'create' }), { kind: 'Secret', namespace: 'team-a', name: 'db.creds' }],
    ['a Secret delete', ev({ resource: 'secrets', namespace: 'default', name: 's' }, { verb: 'delete' }), { kind: 'Secret', name: 's' }],
    ['a namespace label patch', ev({ resource: 'namespaces', name: 'team-a' }, { verb: 'patch' }), { kind: 'Namespace', namespace: 'team-a', name: 'team-a' }],
    ['a namespace create (no pods yet)', ev({ resource: 'namespaces', name: 'team-a' }, { verb: 'create' }), undefined],
    ['a ConfigMap get', ev({ resource: 'configmaps', namespace: 'default', name: 'cfg' }, { verb: 'get' }), undefined],
    ['a ConfigMap refused', ev({ resource: 'configmaps', namespace: 'default', name: 'cfg' }, { responseStatus: { code: 422 } }), undefined],
    ['podferry\'s own write', ev({ resource: 'configmaps', namespace: 'default', name: 'cfg' }, { user: { username: 'podferry-syncer' } }), undefined],
    ['a name that is no name', ev({ resource: 'configmaps', namespace: 'default', name: 'Bad_Name' }), undefined],
    ['a Service create', ev({ resource: 'services', namespace: 'default', name: 'svc' }, { verb: 'create' }), { kind: 'Service', namespace: 'default', name: 'svc' }],
    ['a Service delete', ev({ resource: 'services', namespace: 'default', name: 'svc' }, { verb: 'delete' }), { kind: 'Service', name: 'svc' }],
    ['a Service status write (podferry\'s to make)', ev({ resource: 'services', namespace: 'default', name: 'svc', subresource: 'status' }), undefined],
    ['a PersistentVolumeClaim patch', ev({ resource: 'persistentvolumeclaims', namespace: 'default', name: 'data' }, { verb: 'patch' }), { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' }],
    ['a PersistentVolumeClaim status write', ev({ resource: 'persistentvolumeclaims', namespace: 'default', name: 'data', subresource: 'status' }), undefined],
    ['a PersistentVolume (cluster-scoped, never synced)', ev({ resource: 'persistentvolumes', name: 'pv-1' }), undefined],
    ['an Endpoints object', ev({ resource: 'endpoints', namespace: 'default', name: 'svc' }), undefined],
  ];
  for (const [what, event, want] of rows) {
    const got = dependencyRefFromAuditEvent(event, 'vc1', own);
    if (want === undefined) t.equal(got, undefined, what);
    else t.match(got, { cluster: 'vc1', ...want }, what);
  }
  t.same(refsFromAuditEvents([base, rows[0][1]], 'vc1', own).map((r) => r.kind), ['Pod', 'ConfigMap'], 'pods and dependencies together, in order');
});
