// The pure half of isolation: what tenant metadata reaches a host object, which references are rewritten or
// refused, what becomes of host-acted secret types, and when a host object is provably podferry's.
import t from 'tap';
import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { DEFAULT_METADATA_FILTER, isTenantAnnotationAllowed, isTenantLabelAllowed, parseMetadataFilter } from '../../functions/_shared/core/host-metadata-filter.js';
import { hostObjectName } from '../../functions/_shared/core/names.js';
import { checkOwnership } from '../../functions/_shared/core/ownership.js';
import { DEFAULT_POD_POLICY, evaluatePodPolicy } from '../../functions/_shared/core/policy.js';
import { referenceViolations } from '../../functions/_shared/core/reference-policy.js';
import { translateConfigMap, translatePod, translateSecret, type TranslateContext } from '../../functions/_shared/core/translate-pod.js';

const ctx: TranslateContext = { vcluster: 'vc', hostNamespace: 'vc-host' };
const h = (name: string) => hostObjectName(name, 'ns', 'vc');

const annotations: Array<[string, boolean]> = [
  ['iam.amazonaws.com/role', false], ['eks.amazonaws.com/role-arn', false], ['azure.workload.identity/client-id', false],
  ['k8s.v1.cni.cncf.io/networks', false], ['v1.multus-cni.io/default-network', false], ['cni.projectcalico.org/ipAddrs', false],
  ['sidecar.istio.io/inject', false], ['traffic.sidecar.istio.io/excludeOutboundIPRanges', false], ['linkerd.io/inject', false],
  ['config.linkerd.io/skip-outbound-ports', false], ['vault.hashicorp.com/agent-inject', false],
  ['cluster-autoscaler.kubernetes.io/safe-to-evict', false], ['karpenter.sh/do-not-disrupt', false],
  ['container.apparmor.security.beta.kubernetes.io/app', false], ['seccomp.security.alpha.kubernetes.io/pod', false],
  ['io.kubernetes.cri-o.Devices', false], ['io.katacontainers.config.hypervisor.kernel_params', false], ['cdi.k8s.io/gpu', false],
  ['kubernetes.io/config.mirror', false], ['kubernetes.io/service-account.name', false], ['volume.kubernetes.io/selected-node', false],
  ['vcluster.loft.sh/object-name', false], ['podferry.dev/anything', false],
  ['team', true], ['app.kubernetes.io/name', true], ['kubectl.kubernetes.io/default-container', true], ['prometheus.io/scrape', true],
];
for (const [key, allowed] of annotations) {
  t.test(`when a tenant annotation is ${key}, then it is ${allowed ? 'copied' : 'dropped'}`, async (t) => {
    t.equal(isTenantAnnotationAllowed(key), allowed);
  });
}

const labels: Array<[string, boolean]> = [
  ['sidecar.istio.io/inject', false], ['istio.io/rev', false], ['azure.workload.identity/use', false], ['aadpodidbinding', false],
  ['app', true], ['tier', true],
];
for (const [key, allowed] of labels) {
  t.test(`when a tenant label is ${key}, then it is ${allowed ? 'copied' : 'dropped'}`, async (t) => {
    t.equal(isTenantLabelAllowed(key), allowed);
  });
}

t.test('when HOST_*_DENY name more keys, then they extend the defaults and bad entries are refused', async (t) => {
  const f = parseMetadataFilter({ labelDeny: 'tier, billing.example.com/*', annotationDeny: 'prometheus.io/*' });
  t.equal(isTenantLabelAllowed('tier', f), false);
  t.equal(isTenantLabelAllowed('billing.example.com/code', f), false);
  t.equal(isTenantLabelAllowed('sidecar.istio.io/inject', f), false, 'defaults stay');
  t.equal(isTenantAnnotationAllowed('prometheus.io/scrape', f), false);
  t.throws(() => parseMetadataFilter({ annotationDeny: 'not a key' }), { message: /HOST_ANNOTATION_DENY entry "not a key" is not a label\/annotation key/ });
  t.same(parseMetadataFilter(), DEFAULT_METADATA_FILTER);
});

t.test('when a pod carries host-acting and reserved metadata, then the host pod has none of it and the managed lists agree', async (t) => {
  const host = translatePod({
    metadata: {
      name: 'web', namespace: 'ns', uid: 'u1',
      labels: { app: 'web', 'sidecar.istio.io/inject': 'false', 'vcluster.loft.sh/object-name': 'forged', release: 'r1' },
      annotations: { team: 'blue', 'iam.amazonaws.com/role': 'admin', 'vcluster.loft.sh/object-namespace': 'kube-system', 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs', controller: true }],
    },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
  }, ctx);
  const l = host.metadata!.labels!;
  const a = host.metadata!.annotations!;
  t.equal(l.app, 'web');
  t.equal(l['sidecar.istio.io/inject'], undefined);
  t.equal(l['vcluster.loft.sh/object-name'], undefined);
  t.equal(l.release, undefined, 'release is rewritten, vCluster-compatible');
  t.ok(Object.keys(l).some((k) => k.startsWith('vcluster.loft.sh/label-vc-x-')));
  t.equal(a.team, 'blue');
  t.equal(a['iam.amazonaws.com/role'], undefined);
  t.equal(a['vcluster.loft.sh/object-namespace'], 'ns', 'provenance is podferry\'s own');
  t.equal(a['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'true', 'podferry decides from the controller owner, not the tenant');
  t.equal(a['vcluster.loft.sh/managed-annotations'], 'team');
  t.notOk(a['vcluster.loft.sh/managed-labels'].split('\n').includes('sidecar.istio.io/inject'));
});

t.test('when a pod names namespaced objects in volumes and claims, then every name is the translated host name', async (t) => {
  const virtual: V1Pod = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      containers: [{ name: 'app', image: 'nginx' }],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'master-0', keep: 'y' } }, spec: { accessModes: ['ReadWriteOnce'], dataSource: { kind: 'PersistentVolumeClaim', name: 'seed' }, dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' } } } } },
        { name: 'vault', csi: { driver: 'secrets-store.csi.k8s.io', volumeAttributes: { secretProviderClass: 'app-secrets' } } },
        { name: 'g', glusterfs: { endpoints: 'gluster', path: '/v' } },
      ],
      resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }, { name: 'tpl', resourceClaimTemplateName: 'gpu-template' }],
    },
  };
  const spec = translatePod(virtual, ctx).spec!;
  t.equal(spec.volumes![0].persistentVolumeClaim!.claimName, h('data'));
  const claim = spec.volumes![1].ephemeral!.volumeClaimTemplate!;
  t.equal(claim.spec.dataSource!.name, h('seed'));
  t.equal(claim.spec.dataSourceRef!.name, h('snap'));
  t.same(claim.metadata!.annotations, { keep: 'y' }, 'claim template metadata goes through the filter');
  t.equal(spec.volumes![2].csi!.volumeAttributes!.secretProviderClass, h('app-secrets'));
  t.equal(spec.volumes![3].glusterfs!.endpoints, h('gluster'));
  t.same(spec.resourceClaims, [{ name: 'gpu', resourceClaimName: h('gpu-claim') }, { name: 'tpl', resourceClaimTemplateName: h('gpu-template') }]);
});

const refused: Array<{ when: string; claim: Record<string, unknown>; field: string }> = [
  { when: 'binds a PV by name', claim: { volumeName: 'pv-of-another-tenant' }, field: 'spec.volumes[0].ephemeral.volumeClaimTemplate.spec.volumeName' },
  { when: 'selects PVs by label', claim: { selector: { matchLabels: { tenant: 'other' } } }, field: 'spec.volumes[0].ephemeral.volumeClaimTemplate.spec.selector' },
  { when: 'restores from another namespace', claim: { dataSourceRef: { kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io', name: 's', namespace: 'kube-system' } }, field: 'spec.volumes[0].ephemeral.volumeClaimTemplate.spec.dataSourceRef.namespace' },
  { when: 'uses an unknown populator', claim: { dataSourceRef: { kind: 'Backup', apiGroup: 'example.com', name: 'b' } }, field: 'spec.volumes[0].ephemeral.volumeClaimTemplate.spec.dataSourceRef' },
];
for (const c of refused) {
  t.test(`when an ephemeral claim ${c.when}, then the policy refuses it with the field`, async (t) => {
    const virtual = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }], volumes: [{ name: 'v', ephemeral: { volumeClaimTemplate: { spec: c.claim } } }] } };
    const verdict = evaluatePodPolicy(virtual, DEFAULT_POD_POLICY);
    t.match(verdict, { allowed: false });
    t.same(verdict.allowed === false && verdict.violations.map((v) => [v.rule, v.field]), [['references', c.field]]);
  });
}

t.test('when the reference check meets garbage, then it never throws', async (t) => {
  for (const spec of [null, 5, 'x', { volumes: 5 }, { volumes: [null, 1, { ephemeral: 3 }, { ephemeral: { volumeClaimTemplate: { spec: { dataSource: 7 } } } }] }]) {
    t.doesNotThrow(() => referenceViolations(spec));
  }
  t.same(referenceViolations({ volumes: [{ name: 'v', ephemeral: { volumeClaimTemplate: { spec: { dataSource: 7 } } } }] }).map((v) => v.message), ['spec.volumes[0].ephemeral.volumeClaimTemplate.spec.dataSource is not an object']);
});

const secretTypes: Array<[string | undefined, string | undefined]> = [
  ['kubernetes.io/service-account-token', 'Opaque'], ['bootstrap.kubernetes.io/token', 'Opaque'],
  ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockerconfigjson'], ['kubernetes.io/tls', 'kubernetes.io/tls'], ['Opaque', 'Opaque'], [undefined, undefined],
];
for (const [type, want] of secretTypes) {
  t.test(`when a secret of type ${type} is copied, then the host copy is ${want}`, async (t) => {
    const host = translateSecret({ metadata: { name: 's', namespace: 'ns', annotations: { 'kubernetes.io/service-account.name': 'default', note: 'x' } }, ...(type ? { type } : {}), data: { a: 'Yg==' } }, ctx);
    t.equal(host.type, want);
    t.equal(host.metadata!.annotations!['kubernetes.io/service-account.name'], undefined);
    t.equal(host.metadata!.annotations!.note, 'x');
  });
}

const owned = (meta: Partial<V1ObjectMeta>, kind: 'ConfigMap' | 'Pod' = 'ConfigMap') =>
  checkOwnership({ ...translateConfigMap({ metadata: { name: 'a-x-b', namespace: 'c' } }, ctx).metadata, ...meta }, { kind, vcluster: 'vc', hostNamespace: 'vc-host', namespace: 'c', name: 'a-x-b' });

t.test('when a host object carries exactly our provenance, then it is ours; any mismatch is a conflict in virtual terms', async (t) => {
  t.same(owned({}), { owned: true });
  t.match(owned({ labels: { 'vcluster.loft.sh/managed-by': 'other-vc' } }), { owned: false, conflict: /already taken by an object podferry does not manage/ });
  t.match(owned({ labels: {} }), { owned: false });
  t.match(owned({ namespace: 'elsewhere' }), { owned: false });
  t.match(owned({}, 'Pod'), { owned: false, conflict: 'Pod c/a-x-b and ConfigMap c/a-x-b of this virtual cluster translate to the same host name, and ConfigMap c/a-x-b holds it; rename one of them' });
  const intruder = checkOwnership(translateConfigMap({ metadata: { name: 'a-x-b', namespace: 'c' } }, ctx).metadata, { kind: 'ConfigMap', vcluster: 'vc', hostNamespace: 'vc-host', namespace: 'b-x-c', name: 'a' });
  t.same(intruder, { owned: false, conflict: 'ConfigMap b-x-c/a and ConfigMap c/a-x-b of this virtual cluster translate to the same host name, and ConfigMap c/a-x-b holds it; rename one of them' });
  t.match(checkOwnership(undefined, { kind: 'Secret', vcluster: 'vc', hostNamespace: 'vc-host', namespace: 'c', name: 's' }), { owned: false });
  const forged = owned({ annotations: { ...translateConfigMap({ metadata: { name: 'a-x-b', namespace: 'c' } }, ctx).metadata!.annotations, 'vcluster.loft.sh/object-name': 'zzz' } });
  t.match(forged, { owned: false, conflict: /does not manage/ }, 'a name annotation whose translation is not the host name proves nothing');
});
