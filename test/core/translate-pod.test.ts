import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { podDependencies, serviceAccountTokenRequests, translateConfigMap, translatePod, translateSecret, type TranslateContext } from '../../functions/_shared/core/translate-pod.js';
import { webPod } from './fixtures/virtual-pods.js';

const ctx: TranslateContext = { vcluster: 'my-vcluster', hostNamespace: 'vc-my-vcluster', namespaceLabels: { team: 'checkout' } };
/** The 'remove' token mode (no token for the virtual API), which the older golden files show. */
const removing: TranslateContext = { ...ctx, serviceAccountTokens: 'remove' };

// Golden files: reviewed by hand; `UPDATE_GOLDEN=1 npx tap test/core/translate-pod.test.ts` rewrites them.
function golden(file: string, actual: unknown): [found: string, wanted: string, message: string] {
  const path = new URL(`./golden/${file}`, import.meta.url);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  return [text, readFileSync(path, 'utf8'), `golden ${file}`];
}

t.test('when a deployment pod is translated, then the host pod matches the golden file', async (t) => {
  t.equal(...golden('web-pod.host.json', translatePod(webPod(), removing)));
});

t.test('when the token mode is secret, then the token source reads the host token secret (golden)', async (t) => {
  const host = translatePod(webPod(), { ...ctx, serviceAccountTokens: 'secret', dnsIP: '10.96.0.10' });
  t.equal(...golden('web-pod.secret-token.host.json', { volumes: host.spec?.volumes, dnsPolicy: host.spec?.dnsPolicy, dnsConfig: host.spec?.dnsConfig }));
  t.same(serviceAccountTokenRequests(webPod(), 'my-vcluster'), [{
    secretName: 'web-5f7c9b8d6-abcde-sa-token-x-shop-x-my-vcluster',
    key: 'kube-api-access-x7k2p',
    serviceAccountName: 'web-sa',
    audiences: [],
    expirationSeconds: 3607,
  }]);
  t.same(translatePod(webPod(), ctx).spec?.volumes, host.spec?.volumes, 'secret is the default mode');
  t.equal(host.spec!.volumes![1].projected!.sources![0].secret!.name, serviceAccountTokenRequests(webPod(), 'my-vcluster')[0].secretName);
});

t.test('when translated, then the virtual pod is not modified', async (t) => {
  const input = webPod();
  const before = JSON.stringify(input);
  translatePod(input, ctx);
  t.equal(JSON.stringify(input), before);
});

t.test('when translated, then server-set metadata, owners, finalizers, nodeName and status are gone', async (t) => {
  const host = translatePod(webPod(), ctx);
  t.same(Object.keys(host.metadata!).sort(), ['annotations', 'labels', 'name', 'namespace']);
  t.equal(host.status, undefined);
  t.equal(host.spec!.nodeName, undefined);
  t.equal(host.spec!.serviceAccount, undefined);
});

t.test('when translated, then the host SA runs the pod and no token is mounted', async (t) => {
  const host = translatePod(webPod(), { ...removing, hostServiceAccount: 'podferry-workload' });
  t.equal(host.spec!.serviceAccountName, 'podferry-workload');
  t.equal(host.spec!.automountServiceAccountToken, false);
  t.equal(host.spec!.enableServiceLinks, false);
  t.notOk(JSON.stringify(host.spec).includes('kube-api-access'));
  t.notOk(JSON.stringify(host.spec).includes('serviceAccountToken'));
  t.equal(translatePod(webPod(), ctx).spec!.serviceAccountName, 'vc-workload-my-vcluster');
});

t.test('when a user projected volume mixes a token with other sources, then only the token source is dropped', async (t) => {
  const pod = webPod();
  pod.spec!.volumes!.push({ name: 'mixed', projected: { sources: [{ serviceAccountToken: { path: 't', audience: 'vault' } }, { secret: { name: 'tls' } }] } });
  pod.spec!.volumes!.push({ name: 'only-token', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } });
  pod.spec!.containers[0].volumeMounts!.push({ name: 'only-token', mountPath: '/t' }, { name: 'mixed', mountPath: '/m' });
  const host = translatePod(pod, removing);
  t.same(host.spec!.volumes!.map((v) => v.name), ['config', 'mixed']);
  t.same(host.spec!.volumes![1].projected!.sources, [{ secret: { name: 'tls-x-shop-x-my-vcluster' } }]);
  t.same(host.spec!.containers[0].volumeMounts!.map((m) => m.name), ['config', 'mixed']);
});

t.test('when the pod names a hostname and subdomain, then the hostname is kept and the subdomain dropped', async (t) => {
  const pod = webPod();
  pod.spec!.hostname = 'db-0';
  pod.spec!.subdomain = 'db';
  const host = translatePod(pod, ctx);
  t.equal(host.spec!.hostname, 'db-0');
  t.equal(host.spec!.subdomain, undefined);
});

t.test('when a pod affinity term lists namespaces or a namespace selector, then it selects by namespace label', async (t) => {
  const pod = webPod();
  pod.spec!.affinity = {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } }, namespaces: ['data'] },
        { topologyKey: 'zone', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, namespaceSelector: { matchLabels: { team: 'x' } } },
        { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } }, namespaceSelector: {} },
        { topologyKey: 'zone' },
      ],
    },
  };
  const terms = translatePod(pod, ctx).spec!.affinity!.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution!;
  t.same(terms[0], { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db', 'vcluster.loft.sh/managed-by': 'my-vcluster' }, matchExpressions: [{ key: 'vcluster.loft.sh/namespace', operator: 'In', values: ['data'] }] } });
  t.same(terms[1], { topologyKey: 'zone', labelSelector: { matchLabels: { 'vcluster.loft.sh/ns-label-my-vcluster-x-ca8b22d0db': 'x', 'vcluster.loft.sh/managed-by': 'my-vcluster' }, matchExpressions: [{ key: 'app', operator: 'Exists' }] } });
  t.same(terms[2], { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db', 'vcluster.loft.sh/managed-by': 'my-vcluster' } } });
  t.same(terms[3], { topologyKey: 'zone' });
});

t.test('when a pod references configmaps and secrets everywhere, then podDependencies lists each once, sorted', async (t) => {
  const pod: V1Pod = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      imagePullSecrets: [{ name: 'pull' }],
      initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-env' } }] }],
      containers: [{ name: 'c', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'a' } } }, { name: 'B', value: 'b' }] }],
      ephemeralContainers: [{ name: 'e', envFrom: [{ configMapRef: { name: 'debug' } }] }],
      volumes: [
        { name: 'v1', secret: { secretName: 'tls' } },
        { name: 'v2', projected: { sources: [{ configMap: { name: 'cm-proj' } }, { secret: { name: 'tls' } }] } },
        { name: 'v3', csi: { driver: 'x', nodePublishSecretRef: { name: 'csi-creds' } } },
        { name: 'v4', cephfs: { monitors: ['m'], secretRef: { name: 'ceph' } } },
        { name: 'v5', azureFile: { secretName: 'azure', shareName: 's' } },
        { name: 'v6', emptyDir: {} },
      ],
    },
  };
  t.same(podDependencies(pod), { configMaps: ['cm-env', 'cm-proj', 'debug'], secrets: ['azure', 'ceph', 'csi-creds', 'init-env', 'pull', 'tls'] });
  const host = translatePod(pod, ctx);
  t.equal(host.spec!.volumes![2].csi!.nodePublishSecretRef!.name, 'csi-creds-x-ns-x-my-vcluster');
  t.equal(host.spec!.volumes![3].cephfs!.secretRef!.name, 'ceph-x-ns-x-my-vcluster');
  t.equal(host.spec!.initContainers![0].envFrom![0].secretRef!.name, 'init-env-x-ns-x-my-vcluster');
  t.same(podDependencies({ metadata: {} }), { configMaps: [], secrets: [] });
});

t.test('when the token volume is removed, then kube-root-ca.crt is not a dependency; in secret mode (default) it is', async (t) => {
  t.same(podDependencies(webPod(), { serviceAccountTokens: 'remove' }), { configMaps: ['web-config'], secrets: ['db', 'registry'] });
  t.same(podDependencies(webPod(), { serviceAccountTokens: 'secret' }), { configMaps: ['kube-root-ca.crt', 'web-config'], secrets: ['db', 'registry'] });
  t.same(podDependencies(webPod()), podDependencies(webPod(), { serviceAccountTokens: 'secret' }));
});

t.test('when the virtual pod is bare and has no owner, then it is not safe to evict and has no owner annotations', async (t) => {
  const host = translatePod({ metadata: { name: 'solo', namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, { vcluster: 'vc', hostNamespace: 'h' });
  t.equal(host.metadata!.annotations!['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'false');
  t.equal(host.metadata!.annotations!['vcluster.loft.sh/owner-references'], undefined);
  t.equal(host.metadata!.annotations!['vcluster.loft.sh/managed-annotations'], undefined);
  t.same(host.metadata!.labels, { 'vcluster.loft.sh/managed-by': 'vc', 'vcluster.loft.sh/namespace': 'default' });
  t.equal(host.spec!.hostname, 'solo');
});

t.test('when a configmap and a secret are translated, then the payload travels with provenance (golden)', async (t) => {
  const meta = { namespace: 'shop', uid: 'cm-uid', resourceVersion: '9', labels: { app: 'web' }, annotations: { note: 'x' }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'o' }] };
  t.equal(...golden('objects.host.json', {
    configMap: translateConfigMap({ metadata: { ...meta, name: 'web-config' }, data: { 'nginx.conf': 'server {}' }, binaryData: { b: 'AA==' } }, ctx),
    secret: translateSecret({ metadata: { ...meta, name: 'db' }, type: 'Opaque', data: { password: 'c2VjcmV0' }, immutable: true }, ctx),
  }));
});

const dnsCases: Array<{ when: string; spec: Partial<NonNullable<V1Pod['spec']>>; rewritten: boolean }> = [
  { when: 'dnsPolicy is unset (ClusterFirst)', spec: {}, rewritten: true },
  { when: 'dnsPolicy is ClusterFirstWithHostNet', spec: { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }, rewritten: true },
  { when: 'dnsPolicy is ClusterFirst with hostNetwork', spec: { dnsPolicy: 'ClusterFirst', hostNetwork: true }, rewritten: false },
  { when: 'dnsPolicy is Default', spec: { dnsPolicy: 'Default' }, rewritten: false },
  { when: 'dnsPolicy is None', spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'] } }, rewritten: false },
];
for (const c of dnsCases) {
  t.test(`when ${c.when} and the virtual DNS IP is known, then DNS is ${c.rewritten ? 'pointed at the virtual DNS' : 'left alone'}`, async (t) => {
    const pod: V1Pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c' }], ...c.spec } };
    const host = translatePod(pod, { ...ctx, dnsIP: '10.96.0.10', clusterDomain: 'corp.local' });
    if (c.rewritten) {
      t.equal(host.spec!.dnsPolicy, 'None');
      t.same(host.spec!.dnsConfig, { nameservers: ['10.96.0.10'], searches: ['ns.svc.corp.local', 'svc.corp.local', 'corp.local'], options: [{ name: 'ndots', value: '5' }] });
    } else {
      t.same(host.spec!.dnsPolicy, c.spec.dnsPolicy);
      t.same(host.spec!.dnsConfig, c.spec.dnsConfig);
    }
  });
}

t.test('when existing dnsConfig searches and nameservers exist, then they follow the virtual ones, deduplicated', async (t) => {
  const pod: V1Pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c' }], dnsConfig: { nameservers: ['8.8.8.8'], searches: ['svc.cluster.local', 'corp.example'] } } };
  const host = translatePod(pod, { ...ctx, dnsIP: '10.96.0.10' });
  t.same(host.spec!.dnsConfig, { nameservers: ['10.96.0.10', '8.8.8.8'], searches: ['ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: [{ name: 'ndots', value: '5' }] });
});

t.test('when a configmap or secret has no payload, then only metadata travels', async (t) => {
  const cm = translateConfigMap({ metadata: { name: 'empty', namespace: 'ns', uid: 'u' } }, ctx);
  t.same(Object.keys(cm).sort(), ['apiVersion', 'kind', 'metadata']);
  t.equal(cm.metadata!.annotations!['vcluster.loft.sh/managed-labels'], undefined);
  const secret = translateSecret({ metadata: { name: 'tok', namespace: 'ns' }, stringData: { a: 'b' } }, ctx);
  t.same(secret.stringData, { a: 'b' });
  t.equal(secret.metadata!.name, 'tok-x-ns-x-my-vcluster');
});

t.test('when the virtual pod carries a label key that looks rewritten, then it is dropped so it cannot shadow the real one', async (t) => {
  const host = translatePod({ metadata: { name: 'p', namespace: 'ns', labels: { release: 'a', 'vcluster.loft.sh/label-my-vcluster-x-a4d451ec23': 'forged' } }, spec: { containers: [] } }, ctx);
  t.equal(host.metadata!.labels!['vcluster.loft.sh/label-my-vcluster-x-a4d451ec23'], 'a');
});

t.test('when the virtual API service IP is known, then in-cluster clients are pointed at it', async (t) => {
  const pod: V1Pod = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      initContainers: [{ name: 'i' }],
      containers: [{ name: 'c', env: [{ name: 'KUBERNETES_SERVICE_PORT', value: '6443' }, { name: 'X', value: '$(KUBERNETES_SERVICE_HOST)' }] }],
      hostAliases: [{ ip: '1.2.3.4', hostnames: ['db'] }],
    },
  };
  const host = translatePod(pod, { ...ctx, kubeIP: '10.43.0.1' });
  const names = host.spec!.containers[0].env!.map((e) => e.name);
  t.same(names, ['KUBERNETES_PORT', 'KUBERNETES_PORT_443_TCP', 'KUBERNETES_PORT_443_TCP_ADDR', 'KUBERNETES_PORT_443_TCP_PORT', 'KUBERNETES_PORT_443_TCP_PROTO', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT_HTTPS', 'KUBERNETES_SERVICE_PORT', 'X']);
  t.equal(host.spec!.containers[0].env!.find((e) => e.name === 'KUBERNETES_SERVICE_PORT')!.value, '6443', 'the container\'s own value wins');
  t.equal(host.spec!.initContainers![0].env!.find((e) => e.name === 'KUBERNETES_SERVICE_HOST')!.value, '10.43.0.1');
  t.same(host.spec!.hostAliases, [
    { ip: '1.2.3.4', hostnames: ['db'] },
    { ip: '10.43.0.1', hostnames: ['kubernetes.default.svc.cluster.local', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'] },
  ]);
  t.equal(translatePod(pod, ctx).spec!.hostAliases!.length, 1, 'without kubeIP nothing is added');
});
