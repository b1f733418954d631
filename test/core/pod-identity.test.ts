// Pod identity, the pure part: which tokens a pod asks for, the host secret that holds them (and whose
// provenance keeps it apart from a copied Secret of the same host name), when they are renewed, and what the
// renewal job does with each combination of virtual pod, host pod and secret.
import t from 'tap';
import type { V1ObjectMeta, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { kubernetesEnv, pointAtVirtualApi } from '../../functions/_shared/core/kube-api-env.js';
import { hostObjectName } from '../../functions/_shared/core/names.js';
import { checkOwnership } from '../../functions/_shared/core/ownership.js';
import {
  serviceAccountTokenRequests, TOKEN_REFRESH_AT_ANNOTATION, tokenAnnotation, tokenAnnotations, tokenSecret, tokenSecretConflict, tokenSecretName, tokenSecretOwner,
  translateServiceAccountToken,
} from '../../functions/_shared/core/service-account-token.js';
import {
  MIN_TOKEN_REFRESH_DELAY_MS, overdueTokenAnnotationsPod, overdueTokenSecretPod, planAnnotationTokenRefresh, planTokenRefresh, recordedRefreshAt, TOKEN_SECRET_WAIT_MS, tokenRefreshAt,
  type TokenRefreshInput,
} from '../../functions/_shared/core/token-refresh.js';
import { hostAddedMetadata } from '../../functions/_shared/core/host-metadata.js';
import { translatePod, translateSecret } from '../../functions/_shared/core/translate-pod.js';

const ctx = { vcluster: 'vc', hostNamespace: 'vc-host' };

function virtualPod(volumes: NonNullable<V1Pod['spec']>['volumes'], overrides: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-1' },
    spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'nginx', volumeMounts: (volumes ?? []).map((v) => ({ name: v.name, mountPath: `/m/${v.name}` })) }], volumes, ...overrides },
  };
}
const injected = { name: 'kube-api-access-abcde', projected: { defaultMode: 420, sources: [
  { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
  { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
] } };

t.test('when a pod projects tokens, then each is requested with the audience and lifetime its projection asks', async (t) => {
  const cases: Array<[string, V1Pod, Array<{ key: string; audiences: string[]; expirationSeconds: number; serviceAccountName: string }>]> = [
    ['the injected volume: the API server\'s own audience, 3607 s', virtualPod([injected]), [{ key: 'kube-api-access-abcde', audiences: [], expirationSeconds: 3607, serviceAccountName: 'robot' }]],
    ['an audience and no lifetime: the API default of an hour', virtualPod([{ name: 'vault', projected: { sources: [{ serviceAccountToken: { path: 't', audience: 'vault' } }] } }]), [{ key: 'vault', audiences: ['vault'], expirationSeconds: 3600, serviceAccountName: 'robot' }]],
    ['two tokens in one volume: keys that no volume name can take', virtualPod([{ name: 'two', projected: { sources: [{ serviceAccountToken: { path: 'a', audience: 'x' } }, { serviceAccountToken: { path: 'b', expirationSeconds: 600 } }] } }]),
      [{ key: 'two.0', audiences: ['x'], expirationSeconds: 3600, serviceAccountName: 'robot' }, { key: 'two.1', audiences: [], expirationSeconds: 600, serviceAccountName: 'robot' }]],
    ['no service account named: default', virtualPod([injected], { serviceAccountName: undefined }), [{ key: 'kube-api-access-abcde', audiences: [], expirationSeconds: 3607, serviceAccountName: 'default' }]],
    ['no token source: nothing to request', virtualPod([{ name: 'cfg', configMap: { name: 'c' } }]), []],
  ];
  for (const [what, pod, want] of cases) {
    t.same(serviceAccountTokenRequests(pod, 'vc').map(({ key, audiences, expirationSeconds, serviceAccountName }) => ({ key, audiences, expirationSeconds, serviceAccountName })), want, what);
  }
});

t.test('when translated in secret mode, then every token source reads the key that was requested for it', async (t) => {
  const pod = virtualPod([injected, { name: 'two', projected: { sources: [{ serviceAccountToken: { path: 'a', audience: 'x' } }, { serviceAccountToken: { path: 'b' } }] } }]);
  const host = translatePod(pod, { ...ctx, serviceAccountTokens: 'secret' });
  const items = host.spec!.volumes!.flatMap((v) => v.projected?.sources ?? []).filter((s) => s.secret).map((s) => ({ name: s.secret!.name, key: s.secret!.items![0].key, path: s.secret!.items![0].path }));
  const name = tokenSecretName(pod, 'vc');
  t.same(items, [{ name, key: 'kube-api-access-abcde', path: 'token' }, { name, key: 'two.0', path: 'a' }, { name, key: 'two.1', path: 'b' }]);
  t.same(serviceAccountTokenRequests(pod, 'vc').map((r) => [r.secretName, r.key]), items.map((i) => [i.name, i.key]));
  t.same(host.spec!.volumes![0].projected!.sources!.slice(1).map((s) => Object.keys(s)[0]), ['configMap', 'downwardAPI'], 'ca.crt and namespace keep their sources');
  t.equal(host.spec!.automountServiceAccountToken, false, 'the host\'s own token is never mounted');
  const spec = structuredClone(pod.spec!);
  translateServiceAccountToken(spec, pod, 'vc', 'remove');
  t.same(spec.volumes, [], 'remove mode drops both');
});

t.test('when translated in annotation mode, then every token source reads the host pod annotation its token goes to', async (t) => {
  const long = 'v'.repeat(63);
  const pod = virtualPod([injected, { name: 'two', projected: { sources: [{ serviceAccountToken: { path: 'a', audience: 'x' } }, { serviceAccountToken: { path: 'b' } }] } }, { name: long, projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }]);
  const host = translatePod(pod, { ...ctx, serviceAccountTokens: 'annotation' });
  const items = host.spec!.volumes!.flatMap((v) => v.projected?.sources ?? []).flatMap((s) => s.downwardAPI?.items ?? []).filter((i) => i.fieldRef?.fieldPath.includes('token-'));
  t.same(items.map((i) => [i.path, i.fieldRef!.fieldPath]), [
    ['token', "metadata.annotations['vcluster.loft.sh/token-kube-api-access-abcde']"],
    ['a', "metadata.annotations['vcluster.loft.sh/token-two.0']"],
    ['b', "metadata.annotations['vcluster.loft.sh/token-two.1']"],
    ['t', `metadata.annotations['${tokenAnnotation(long)}']`],
  ]);
  t.ok(tokenAnnotation(long).split('/')[1].length <= 63, 'a long volume name still makes a valid annotation name');
  t.not(tokenAnnotation(long), tokenAnnotation('w'.repeat(63)), 'and a distinct one');
  t.same(host.spec!.volumes![0].projected!.sources!.slice(1).map((s) => Object.keys(s)[0]), ['configMap', 'downwardAPI'], 'ca.crt and namespace keep their sources');
  t.notOk(host.spec!.volumes!.some((v) => v.projected?.sources?.some((s) => s.secret || s.serviceAccountToken)), 'no secret, no host token');
  t.same(serviceAccountTokenRequests(pod, 'vc').map((r) => tokenAnnotation(r.key)), items.map((i) => /\['(.+)'\]/.exec(i.fieldRef!.fieldPath)![1]), 'the requests fill exactly those annotations');

  const refreshAt = new Date('2026-01-01T01:00:00Z');
  const annotations = tokenAnnotations([{ key: 'kube-api-access-abcde', token: 'tok' }], refreshAt);
  t.same(annotations, { 'vcluster.loft.sh/token-kube-api-access-abcde': 'tok', [TOKEN_REFRESH_AT_ANNOTATION]: refreshAt.toISOString() });
  const withTokens: V1Pod = { ...host, metadata: { ...host.metadata, annotations: { ...host.metadata!.annotations, ...annotations } } };
  t.same(Object.keys(hostAddedMetadata(withTokens).annotations), [], 'tokens and their renewal time never travel back to the virtual pod');
  const smuggled = translatePod({ ...pod, metadata: { ...pod.metadata, annotations: { 'vcluster.loft.sh/token-kube-api-access-abcde': 'forged', [TOKEN_REFRESH_AT_ANNOTATION]: 'never' } } }, { ...ctx, serviceAccountTokens: 'annotation' });
  t.notOk(Object.keys(smuggled.metadata!.annotations!).some((k) => k in annotations), 'a tenant cannot set them on the host pod');
});

t.test('when the renewal job reads the pods in annotation mode, then it renews when due, for this virtual pod\'s host pod only', async (t) => {
  const now = new Date('2026-01-01T01:00:00Z');
  const later = new Date('2026-01-01T01:30:00Z');
  const vpod = virtualPod([injected]);
  const hostPod = (refreshAt: Date | undefined, uid = 'uid-1', extra: Partial<V1ObjectMeta> = {}): V1Pod => {
    const h = translatePod({ ...vpod, metadata: { ...vpod.metadata, uid } }, { ...ctx, serviceAccountTokens: 'annotation' });
    const tokens = refreshAt ? tokenAnnotations([{ key: 'k', token: 'v' }], refreshAt) : {};
    return { ...h, metadata: { ...h.metadata, annotations: { ...h.metadata!.annotations, ...tokens }, ...extra } };
  };
  const cases: Array<[string, { virtualPod?: V1Pod; hostPod?: V1Pod }, string, Record<string, unknown>?]> = [
    ['due: renew', { virtualPod: vpod, hostPod: hostPod(now) }, 'renew'],
    ['no renewal time recorded: renew', { virtualPod: vpod, hostPod: hostPod(undefined) }, 'renew'],
    ['not due: wait until then', { virtualPod: vpod, hostPod: hostPod(later) }, 'wait', { at: later }],
    ['no host pod yet: wait a while', { virtualPod: vpod }, 'wait', { at: new Date(now.getTime() + TOKEN_SECRET_WAIT_MS) }],
    ['the host pod is an earlier virtual pod\'s: nothing', { virtualPod: vpod, hostPod: hostPod(now, 'uid-0') }, 'nothing'],
    ['the host pod is being deleted: nothing', { virtualPod: vpod, hostPod: hostPod(now, 'uid-1', { deletionTimestamp: now }) }, 'nothing'],
    ['a host pod podferry does not manage: never written, wait', { virtualPod: vpod, hostPod: { metadata: { name: 'x', namespace: 'vc-host' }, spec: { containers: [] } } }, 'wait'],
    ['the virtual pod is gone: nothing (the tokens go with the host pod)', { hostPod: hostPod(now) }, 'nothing'],
    ['the virtual pod is deleting: nothing', { virtualPod: { ...vpod, metadata: { ...vpod.metadata, deletionTimestamp: now } }, hostPod: hostPod(now) }, 'nothing'],
  ];
  for (const [what, input, type, match] of cases) {
    const plan = planAnnotationTokenRefresh({ ...input, now, ctx });
    t.equal(plan.type, type, what);
    if (match) t.match(plan, match, `${what} (details)`);
  }
  t.same(overdueTokenAnnotationsPod(hostPod(new Date('2026-01-01T00:59:59Z')), now, ctx), { namespace: 'shop', name: 'web' }, 'resync: overdue, names the virtual pod');
  t.equal(overdueTokenAnnotationsPod(hostPod(later), now, ctx), undefined, 'resync: not due yet');
  t.equal(overdueTokenAnnotationsPod({ ...hostPod(new Date(0)), metadata: { ...hostPod(new Date(0)).metadata, labels: {} } }, now, ctx), undefined, 'resync: not podferry\'s pod');
});

t.test('when the token secret is built, then it holds the tokens, the pod\'s provenance and the renewal time, nothing of the tenant\'s', async (t) => {
  const pod = virtualPod([injected]);
  pod.metadata!.labels = { app: 'web' };
  pod.metadata!.annotations = { note: 'x' };
  const at = new Date('2026-01-01T00:48:00Z');
  const secret = tokenSecret(pod, ctx, [{ key: 'kube-api-access-abcde', token: 'header.claims.sig' }], at);
  t.equal(secret.metadata!.name, hostObjectName('web-sa-token', 'shop', 'vc'));
  t.equal(secret.type, 'Opaque', 'no host token controller acts on it');
  t.same(secret.data, { 'kube-api-access-abcde': Buffer.from('header.claims.sig').toString('base64') });
  t.same(secret.metadata!.labels, { 'vcluster.loft.sh/managed-by': 'vc', 'vcluster.loft.sh/namespace': 'shop' });
  t.match(secret.metadata!.annotations, {
    'vcluster.loft.sh/object-name': 'web-sa-token', 'vcluster.loft.sh/object-namespace': 'shop', 'vcluster.loft.sh/object-uid': 'uid-1',
    'vcluster.loft.sh/object-kind': 'authentication.k8s.io/v1, Kind=TokenRequest', [TOKEN_REFRESH_AT_ANNOTATION]: '2026-01-01T00:48:00.000Z',
  });
  t.notOk('note' in secret.metadata!.annotations!);
  t.same(recordedRefreshAt(secret.metadata), at);
  t.equal(recordedRefreshAt({ annotations: { [TOKEN_REFRESH_AT_ANNOTATION]: 'soon' } }), undefined);
});

t.test('when a virtual Secret is named <pod>-sa-token, then it and the token secret never pass for each other', async (t) => {
  const token = tokenSecret(virtualPod([injected]), ctx, [{ key: 'k', token: 'v' }], new Date()).metadata!;
  const copy = translateSecret({ metadata: { name: 'web-sa-token', namespace: 'shop', uid: 'u2' }, data: {} }, ctx).metadata!;
  t.equal(copy.name, token.name, 'the same host name');
  const asCopy = { kind: 'Secret' as const, ...ctx, namespace: 'shop', name: 'web-sa-token' };
  t.ok(checkOwnership(token, tokenSecretOwner({ namespace: 'shop', name: 'web' }, ctx)).owned, 'the token secret is the pod\'s');
  t.notOk(checkOwnership(token, asCopy).owned, 'the copy path refuses the token secret');
  t.notOk(checkOwnership(copy, tokenSecretOwner({ namespace: 'shop', name: 'web' }, ctx)).owned, 'the token path refuses the copy');
  t.notOk(checkOwnership({ name: token.name, namespace: 'vc-host' }, tokenSecretOwner({ namespace: 'shop', name: 'web' }, ctx)).owned, 'a secret without provenance is someone else\'s');
  t.notMatch(tokenSecretConflict({ namespace: 'shop', name: 'web' }), /vc-host|-x-/, 'the event speaks in virtual names');
});

t.test('when tokens are issued, then they are renewed at 80 % of their lifetime, at most a day, at least a second later', async (t) => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
  const cases: Array<[string, number, number, number | undefined, number]> = [
    ['an hour and 7 s', 0, 3607, undefined, 2885.6],
    ['ten minutes', 0, 600, undefined, 480],
    ['a year (the extended kubelet default): after a day', 0, 365 * 86400, undefined, 86400],
    ['a configured fraction', 0, 3607, 0.5, 1803.5],
    ['a tiny fraction: never under a second', 0, 3607, 0.0001, 1],
    ['an expiry in the past: a second', 100, 50, undefined, 101],
  ];
  for (const [what, issued, expires, fraction, want] of cases) {
    t.equal(tokenRefreshAt(at(issued), at(expires), fraction).getTime(), at(want).getTime(), what);
  }
  t.equal(MIN_TOKEN_REFRESH_DELAY_MS, 1000);
});

t.test('when the renewal job reads the pod, the host pod and the secret, then it plans the one step the state asks for', async (t) => {
  const now = new Date('2026-01-01T01:00:00Z');
  const later = new Date('2026-01-01T01:30:00Z');
  const earlier = new Date('2026-01-01T00:30:00Z');
  const vpod = virtualPod([injected]);
  const secretAt = (refreshAt: Date | undefined, extra: Partial<V1ObjectMeta> = {}, uid = 'uid-1'): V1ObjectMeta => {
    const m = tokenSecret({ ...vpod, metadata: { ...vpod.metadata, uid } }, ctx, [{ key: 'k', token: 'v' }], refreshAt ?? now).metadata!;
    if (!refreshAt) delete m.annotations![TOKEN_REFRESH_AT_ANNOTATION];
    return { ...m, uid: 'secret-uid', resourceVersion: '7', ...extra };
  };
  const hostPod = (uid = 'uid-1'): V1Pod => ({ ...translatePod({ ...vpod, metadata: { ...vpod.metadata, uid } }, { ...ctx, serviceAccountTokens: 'secret' }), metadata: { ...translatePod({ ...vpod, metadata: { ...vpod.metadata, uid } }, ctx).metadata, uid: `host-${uid}` } });
  const owned = (m: V1ObjectMeta, pod: V1Pod) => ({ ...m, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid! }] });
  const foreignHostPod: V1Pod = { metadata: { name: hostPod().metadata!.name, namespace: 'vc-host', uid: 'x' }, spec: { containers: [] } };
  const deleting: V1Pod = { ...vpod, metadata: { ...vpod.metadata, deletionTimestamp: now } };
  const recreated: V1Pod = { ...vpod, metadata: { ...vpod.metadata, uid: 'uid-2' } };
  const base = { pod: { namespace: 'shop', name: 'web' }, now, ctx };
  const cases: Array<[string, Partial<TokenRefreshInput>, string, Record<string, unknown>?]> = [
    ['due, host pod owns it: renew', { virtualPod: vpod, hostPod: hostPod(), secret: owned(secretAt(earlier), hostPod()) }, 'renew'],
    ['no renewal time recorded: renew', { virtualPod: vpod, hostPod: hostPod(), secret: owned(secretAt(undefined), hostPod()) }, 'renew'],
    ['not due, owned: wait for the renewal time', { virtualPod: vpod, hostPod: hostPod(), secret: owned(secretAt(later), hostPod()) }, 'wait', { at: later }],
    ['not due, not owned yet: adopt, renew later', { virtualPod: vpod, hostPod: hostPod(), secret: secretAt(later) }, 'adopt', { next: later }],
    ['host pod mounts a missing secret: renew (create it)', { virtualPod: vpod, hostPod: hostPod() }, 'renew'],
    ['no secret, no host pod: nothing', { virtualPod: vpod }, 'nothing'],
    ['the host name is someone else\'s: nothing', { virtualPod: vpod, hostPod: hostPod(), secret: { name: secretAt(now).name, namespace: 'vc-host' } }, 'nothing', { reason: /^not ours/ }],
    ['host pod not created yet: wait until the renewal time', { virtualPod: vpod, secret: secretAt(later) }, 'wait', { at: later }],
    ['host pod not created yet and overdue: wait a while', { virtualPod: vpod, secret: secretAt(earlier) }, 'wait', { at: new Date(now.getTime() + TOKEN_SECRET_WAIT_MS) }],
    ['virtual and host pod gone: delete at the version read', { secret: secretAt(earlier) }, 'delete', { uid: 'secret-uid', resourceVersion: '7' }],
    ['virtual pod re-created, old host pod gone: delete', { virtualPod: recreated, secret: secretAt(later) }, 'delete'],
    ['virtual pod deleting, host pod gone: delete', { virtualPod: deleting, secret: secretAt(later) }, 'delete'],
    ['virtual pod deleting, host pod still there and unowned: adopt only', { virtualPod: deleting, hostPod: hostPod(), secret: secretAt(earlier) }, 'adopt', { next: undefined }],
    ['virtual pod deleting, host pod owns it: nothing (GC takes it)', { virtualPod: deleting, hostPod: hostPod(), secret: owned(secretAt(earlier), hostPod()) }, 'nothing'],
    ['a host pod of that name podferry does not manage: not the owner', { virtualPod: vpod, hostPod: foreignHostPod, secret: secretAt(earlier) }, 'wait'],
  ];
  for (const [what, input, type, match] of cases) {
    const plan = planTokenRefresh({ ...base, ...input } as TokenRefreshInput);
    t.equal(plan.type, type, what);
    if (match) t.match(plan, match, `${what} (details)`);
  }
});

t.test('when resync lists token secrets, then only podferry\'s overdue ones name their pod', async (t) => {
  const now = new Date('2026-01-01T01:00:00Z');
  const meta = (at: Date) => tokenSecret(virtualPod([injected]), ctx, [{ key: 'k', token: 'v' }], at).metadata!;
  t.same(overdueTokenSecretPod(meta(new Date('2026-01-01T00:59:59Z')), now, ctx), { namespace: 'shop', name: 'web' });
  t.equal(overdueTokenSecretPod(meta(new Date('2026-01-01T01:00:01Z')), now, ctx), undefined, 'not due yet');
  const copy = translateSecret({ metadata: { name: 'web-sa-token', namespace: 'shop' } }, ctx).metadata!;
  t.equal(overdueTokenSecretPod(copy, now, ctx), undefined, 'a copied Secret is no token secret');
  t.equal(overdueTokenSecretPod({ ...meta(new Date(0)), labels: {} }, now, ctx), undefined, 'without the managed-by label it is not ours');
});

t.test('when the virtual API server is reached at an address and port, then env names that port and only an IP gets a host alias', async (t) => {
  t.same(kubernetesEnv('127.0.0.1', 16443).map((e) => `${e.name}=${e.value}`), [
    'KUBERNETES_PORT=tcp://127.0.0.1:16443', 'KUBERNETES_PORT_16443_TCP=tcp://127.0.0.1:16443', 'KUBERNETES_PORT_16443_TCP_ADDR=127.0.0.1',
    'KUBERNETES_PORT_16443_TCP_PORT=16443', 'KUBERNETES_PORT_16443_TCP_PROTO=tcp', 'KUBERNETES_SERVICE_HOST=127.0.0.1',
    'KUBERNETES_SERVICE_PORT=16443', 'KUBERNETES_SERVICE_PORT_HTTPS=16443',
  ]);
  const byName: V1PodSpec = { containers: [{ name: 'c' }] };
  pointAtVirtualApi(byName, 'vc-api.vc.svc', 'cluster.local', 443);
  t.equal(byName.hostAliases, undefined, 'a DNS name gets no hostAliases entry');
  t.equal(byName.containers[0].env?.find((e) => e.name === 'KUBERNETES_SERVICE_HOST')?.value, 'vc-api.vc.svc', 'but the env names it');
  const host = translatePod(virtualPod([injected]), { ...ctx, kubeIP: '10.0.0.1', kubePort: 6443 });
  t.equal(host.spec!.containers[0].env!.find((e) => e.name === 'KUBERNETES_SERVICE_PORT')?.value, '6443');
  t.same(host.spec!.hostAliases?.[0].ip, '10.0.0.1');
});
