import t from 'tap';
import { jobTitle, parseObjectRef, refKey, type ObjectRef } from '../../functions/_shared/core/job-refs.js';

const web: ObjectRef = { cluster: 'my-vcluster', kind: 'Pod', namespace: 'default', name: 'web' };

t.test('when a pod ref is keyed, then the key is cluster/Kind/namespace/name with no colon', async (t) => {
  t.equal(refKey(web), 'my-vcluster/Pod/default/web');
  t.equal(refKey({ ...web, uid: 'u-1' }), 'my-vcluster/Pod/default/web', 'the uid does not split one object into two jobs');
  t.equal(refKey({ ...web, kind: 'Secret', name: 'db.creds' }), 'my-vcluster/Secret/default/db.creds');
  t.notOk(refKey(web).includes(':'));
});

t.test('when a part holds a colon or slash, then refKey refuses it', async (t) => {
  t.throws(() => refKey({ ...web, cluster: 'a:b' }), { message: 'object reference part "a:b" may not contain \':\' or \'/\'' });
  t.throws(() => refKey({ ...web, name: 'a/b' }));
});

t.test('when titled, then a pod reads type cluster/namespace/name and other kinds are named', async (t) => {
  t.equal(jobTitle('sync', web), 'sync my-vcluster/default/web');
  t.equal(jobTitle('sync', { ...web, kind: 'ConfigMap', name: 'cfg' }), 'sync my-vcluster/default/cfg (ConfigMap)');
});

t.test('when job data is a valid ref, then it parses, uid optional', async (t) => {
  t.same(parseObjectRef({ cluster: 'my-vcluster', kind: 'Pod', namespace: 'default', name: 'web' }), web);
  t.same(parseObjectRef({ ...web, uid: '0b1c2d3e-0000-4000-8000-000000000001', extra: 1 }), { ...web, uid: '0b1c2d3e-0000-4000-8000-000000000001' });
});

const bad: Array<[string, unknown, string]> = [
  ['null', null, 'job data must be an object with cluster, kind, namespace and name, got null'],
  ['an array', [], 'job data must be an object with cluster, kind, namespace and name, got array'],
  ['a string', 'web', 'job data must be an object with cluster, kind, namespace and name, got string'],
  ['an unknown kind', { ...web, kind: 'Deployment' }, 'job data.kind must be one of Pod, ConfigMap, Secret, Namespace, ServiceAccountToken, Service, PersistentVolumeClaim, got "Deployment"'],
  ['a missing name', { cluster: 'c', kind: 'Pod', namespace: 'default' }, 'job data.name must be a string, got undefined'],
  ['a numeric namespace', { ...web, namespace: 7 }, 'job data.namespace must be a string, got number'],
  ['an uppercase name', { ...web, name: 'Web' }, 'job data.name "Web" must be a lowercase DNS-1123 subdomain of at most 253 characters'],
  ['a cluster with a colon', { ...web, cluster: 'a:b' }, 'job data.cluster "a:b" must be a lowercase DNS-1123 subdomain of at most 253 characters'],
  ['a 64-char namespace', { ...web, namespace: 'n'.repeat(64) }, `job data.namespace "${'n'.repeat(64)}" must be a lowercase DNS-1123 subdomain of at most 63 characters`],
  ['a bad uid', { ...web, uid: 5 }, 'job data.uid must be a UID string, got 5'],
];
for (const [when, data, message] of bad) {
  t.test(`when job data is ${when}, then parseObjectRef throws a clear error`, async (t) => {
    t.throws(() => parseObjectRef(data), { message });
  });
}
