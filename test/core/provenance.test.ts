import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import {
  hostLabelKey, isControlledElsewhere, isManagedHostPod, isRewrittenLabelKey, namespaceLabelKey, virtualRefOf,
} from '../../functions/_shared/core/provenance.js';

t.test('when a label key is one of the 4 reserved keys, then it is rewritten as vCluster does', async (t) => {
  t.equal(hostLabelKey('release', 'suffix'), 'vcluster.loft.sh/label-suffix-x-a4d451ec23');
  t.equal(hostLabelKey('release', 'my-vcluster'), 'vcluster.loft.sh/label-my-vcluster-x-a4d451ec23');
  for (const key of ['vcluster.loft.sh/namespace', 'vcluster.loft.sh/managed-by', 'vcluster.loft.sh/controlled-by']) {
    t.match(hostLabelKey(key, 'vc'), /^vcluster\.loft\.sh\/label-vc-x-[0-9a-f]{10}$/);
  }
  t.ok(isRewrittenLabelKey('vcluster.loft.sh/label-suffix-x-a4d451ec23', 'suffix'));
  t.notOk(isRewrittenLabelKey('vcluster.loft.sh/label-suffix-x-a4d451ec23', 'other'));
});

t.test('when a label key is ordinary, then it is copied unchanged', async (t) => {
  for (const key of ['app', 'app.kubernetes.io/name', 'tier']) t.equal(hostLabelKey(key, 'vc'), key);
});

t.test('when a namespace label is mirrored, then its key is the hashed ns-label key', async (t) => {
  t.equal(namespaceLabelKey('team', 'my-vcluster'), 'vcluster.loft.sh/ns-label-my-vcluster-x-ca8b22d0db');
});

function hostPod(over: { labels?: Record<string, string>; annotations?: Record<string, string>; name?: string; namespace?: string }): V1Pod {
  return {
    metadata: {
      name: over.name ?? 'web-x-default-x-vc',
      namespace: over.namespace ?? 'vc-host',
      labels: over.labels ?? { 'vcluster.loft.sh/managed-by': 'vc' },
      annotations: over.annotations ?? {
        'vcluster.loft.sh/object-name': 'web',
        'vcluster.loft.sh/object-namespace': 'default',
        'vcluster.loft.sh/object-uid': 'u-1',
        'vcluster.loft.sh/object-kind': '/v1, Kind=Pod',
        'vcluster.loft.sh/object-host-name': 'web-x-default-x-vc',
        'vcluster.loft.sh/object-host-namespace': 'vc-host',
      },
    },
  };
}

const managedCases: Array<{ when: string; pod: V1Pod; hostNamespace?: string; want: boolean }> = [
  { when: 'every marker agrees', pod: hostPod({}), hostNamespace: 'vc-host', want: true },
  { when: 'the namespace is not checked', pod: hostPod({ namespace: 'elsewhere', annotations: { 'vcluster.loft.sh/object-name': 'web', 'vcluster.loft.sh/object-namespace': 'default' } }), want: true },
  { when: 'the pod lives in another namespace', pod: hostPod({}), hostNamespace: 'other', want: false },
  { when: 'the marker names another vcluster', pod: hostPod({ labels: { 'vcluster.loft.sh/managed-by': 'other' } }), want: false },
  { when: 'the marker is missing', pod: hostPod({ labels: {} }), want: false },
  { when: 'object-name is missing', pod: hostPod({ annotations: { 'vcluster.loft.sh/object-namespace': 'default' } }), want: false },
  { when: 'the name is not the translation of object-name', pod: hostPod({ name: 'impostor' }), want: false },
  { when: 'object-kind says ConfigMap', pod: hostPod({ annotations: { 'vcluster.loft.sh/object-name': 'web', 'vcluster.loft.sh/object-namespace': 'default', 'vcluster.loft.sh/object-kind': '/v1, Kind=ConfigMap' } }), want: false },
  { when: 'object-host-name disagrees', pod: hostPod({ annotations: { 'vcluster.loft.sh/object-name': 'web', 'vcluster.loft.sh/object-namespace': 'default', 'vcluster.loft.sh/object-host-name': 'x' } }), want: false },
  { when: 'object-host-namespace disagrees', pod: hostPod({ annotations: { 'vcluster.loft.sh/object-name': 'web', 'vcluster.loft.sh/object-namespace': 'default', 'vcluster.loft.sh/object-host-namespace': 'x' } }), want: false },
];
for (const c of managedCases) {
  t.test(`when ${c.when}, then isManagedHostPod is ${c.want}`, async (t) => {
    t.equal(isManagedHostPod(c.pod, 'vc', c.hostNamespace), c.want);
  });
}

t.test('when there is no pod or no name, then it is not managed', async (t) => {
  t.equal(isManagedHostPod(undefined, 'vc'), false);
  t.equal(isManagedHostPod({ metadata: {} }, 'vc'), false);
});

t.test('when the annotations name the virtual pod, then virtualRefOf returns it', async (t) => {
  t.same(virtualRefOf(hostPod({})), { namespace: 'default', name: 'web', uid: 'u-1' });
  t.same(virtualRefOf(hostPod({ annotations: { 'vcluster.loft.sh/object-name': 'web', 'vcluster.loft.sh/object-namespace': 'default' } })), { namespace: 'default', name: 'web' });
  t.equal(virtualRefOf(hostPod({ annotations: { 'vcluster.loft.sh/object-name': 'web' } })), undefined);
  t.equal(virtualRefOf(undefined), undefined);
});

t.test('when the controlled-by label is present with any value, then the object is controlled elsewhere', async (t) => {
  t.equal(isControlledElsewhere({ labels: { 'vcluster.loft.sh/controlled-by': '' } }), true);
  t.equal(isControlledElsewhere({ labels: { app: 'x' } }), false);
  t.equal(isControlledElsewhere(undefined), false);
});

t.test('when a host Service or claim proves its provenance, then ownedVirtualRef names its virtual object, and nothing else does', async (t) => {
  const { ownedVirtualRef } = await import('../../functions/_shared/core/ownership.js');
  const { translateService } = await import('../../functions/_shared/core/translate-service.js');
  const host = translateService({ metadata: { name: 'web', namespace: 'shop', uid: 'u' }, spec: { ports: [{ port: 80 }] } }, { vcluster: 'vc', hostNamespace: 'vc-host' });
  t.same(ownedVirtualRef('Service', host.metadata, 'vc', 'vc-host'), { cluster: 'vc', kind: 'Service', namespace: 'shop', name: 'web' });
  t.equal(ownedVirtualRef('PersistentVolumeClaim', host.metadata, 'vc', 'vc-host'), undefined, 'a Service is not a claim');
  t.equal(ownedVirtualRef('Service', host.metadata, 'other-vc', 'vc-host'), undefined, 'another virtual cluster\'s');
  t.equal(ownedVirtualRef('Service', { ...host.metadata, name: 'renamed' }, 'vc', 'vc-host'), undefined, 'a name that is not the translation');
  t.equal(ownedVirtualRef('Service', { name: 'web-x-shop-x-vc', namespace: 'vc-host' }, 'vc', 'vc-host'), undefined, 'no provenance');
});
