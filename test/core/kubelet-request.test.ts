import type { V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { checkKubeletAccess, kubeletPodList } from '../../functions/_shared/core/kubelet-access.js';
import { hostSubresourcePath, parseKubeletPath } from '../../functions/_shared/core/kubelet-request.js';
import { translatePod } from '../../functions/_shared/core/translate-pod.js';
import { nodeProxyStatusPatch, virtualNodeFor } from '../../functions/_shared/core/virtual-node.js';

const CTX = { vcluster: 'demo', hostNamespace: 'vcluster-demo' };

t.test('when kubelet paths are parsed, then each route shape gives its target and anything else gives none', async (t) => {
  const table: Array<[string, unknown]> = [
    ['/containerLogs/ns/pod/c', { kind: 'containerLogs', namespace: 'ns', pod: 'pod', container: 'c' }],
    ['/containerLogs/ns/pod/c/', { kind: 'containerLogs', namespace: 'ns', pod: 'pod', container: 'c' }],
    ['/exec/ns/pod/c', { kind: 'exec', namespace: 'ns', pod: 'pod', container: 'c' }],
    ['/exec/ns/pod/uid-1/c', { kind: 'exec', namespace: 'ns', pod: 'pod', uid: 'uid-1', container: 'c' }],
    ['/attach/ns/pod/c', { kind: 'attach', namespace: 'ns', pod: 'pod', container: 'c' }],
    ['/portForward/ns/pod', { kind: 'portForward', namespace: 'ns', pod: 'pod' }],
    ['/portForward/ns/pod/uid-1', { kind: 'portForward', namespace: 'ns', pod: 'pod', uid: 'uid-1' }],
    ['/containerLogs/ns/pod', undefined],
    ['/exec/ns/pod/a/b/c', undefined],
    ['/exec/ns//c', undefined],
    ['/exec/ns/po%2Fd/c', undefined],
    ['/exec/ns/%E0%A4%A/c', undefined],
    ['/run/ns/pod/c', undefined],
    ['/pods', undefined],
  ];
  for (const [path, want] of table) t.same(parseKubeletPath(path), want, path);
});

t.test('when a target becomes a host path, then options map to the API server\'s names and nothing else is added', async (t) => {
  const q = (s: string) => new URLSearchParams(s);
  const path = (p: string, query: string) => hostSubresourcePath(parseKubeletPath(p)!, q(query), 'vcluster-demo', 'web-x-default-x-demo');
  const base = '/api/v1/namespaces/vcluster-demo/pods/web-x-default-x-demo';
  t.equal(path('/containerLogs/default/web/app', 'follow=true&tailLines=2&bogus=1'), `${base}/log?container=app&follow=true&tailLines=2`);
  t.equal(path('/containerLogs/default/web/app', 'tail=all'), `${base}/log?container=app`, 'tail=all means no limit');
  t.equal(path('/exec/default/web/app', 'command=ls&command=-l&input=1&output=1&error=1'), `${base}/exec?container=app&command=ls&command=-l&stdin=true&stdout=true&stderr=true`);
  t.equal(path('/exec/default/web/app', 'command=ls&stdout=true&stderr=false&input=0'), `${base}/exec?container=app&command=ls&stdout=true`, 'API-server spelling and false values');
  t.equal(path('/attach/default/web/app', 'input=1&tty=1'), `${base}/attach?container=app&stdin=true&tty=true`);
  t.equal(path('/portForward/default/web', ''), `${base}/portforward`);
  t.equal(path('/portForward/default/web', 'port=80,%208080'), `${base}/portforward?ports=80&ports=8080`);
});

function hostPod(name: string, ctx = CTX): V1Pod {
  const p = translatePod({ metadata: { name, namespace: 'default', uid: `u-${name}` }, spec: { containers: [{ name: 'app', image: 'x' }], initContainers: [{ name: 'init', image: 'x' }] } }, ctx);
  p.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
  p.spec!.nodeName = name === 'b' ? 'node-2' : 'node-1';
  p.status = { phase: name === 'c' ? 'Pending' : 'Running' };
  return p;
}

t.test('when access is checked, then only this cluster\'s host pod for exactly that virtual pod, with the container, passes', async (t) => {
  const target = (over: object = {}) => ({ kind: 'exec' as const, namespace: 'default', pod: 'a', container: 'app', ...over });
  t.match(checkKubeletAccess(hostPod('a'), target(), CTX), { allowed: true, hostName: 'a-x-default-x-demo' });
  for (const c of ['init', 'debugger']) t.ok(checkKubeletAccess(hostPod('a'), target({ container: c }), CTX).allowed, c);
  t.ok(checkKubeletAccess(hostPod('a'), target({ kind: 'portForward', container: undefined, uid: 'u-a' }), CTX).allowed);
  const refusals: Array<[V1Pod | undefined, object, string]> = [
    [undefined, {}, 'missing'],
    [hostPod('a', { vcluster: 'other', hostNamespace: 'vcluster-demo' }), {}, 'another cluster'],
    [hostPod('a', { vcluster: 'demo', hostNamespace: 'elsewhere' }), {}, 'another namespace'],
    [hostPod('b'), {}, 'another virtual pod'],
    [hostPod('a'), { uid: 'u-b' }, 'another uid'],
    [hostPod('a'), { container: 'sidecar' }, 'an unknown container'],
    [{ ...hostPod('a'), metadata: { ...hostPod('a').metadata, labels: {} } }, {}, 'no marker label'],
  ];
  for (const [pod, over, what] of refusals) t.notOk(checkKubeletAccess(pod, target(over), CTX).allowed, what);
});

t.test('when the pod list is built, then it holds virtual identities, filtered by node and phase on request', async (t) => {
  const pods = [hostPod('a'), hostPod('b'), hostPod('c'), hostPod('x', { vcluster: 'other', hostNamespace: 'vcluster-demo' })];
  const names = (l: ReturnType<typeof kubeletPodList>) => l.items.map((p) => p.metadata!.name);
  t.same(names(kubeletPodList(pods, CTX)), ['a', 'b', 'c']);
  t.same(names(kubeletPodList(pods, CTX, 'node-2')), ['b']);
  t.same(names(kubeletPodList(pods, CTX, undefined, true)), ['a', 'b']);
  const a = kubeletPodList(pods, CTX).items[0];
  t.same(a.metadata, { name: 'a', namespace: 'default', uid: 'u-a' });
  t.notOk(JSON.stringify(a).includes('-x-'), 'no host name or host annotation');
});

t.test('when virtual nodes advertise the node proxy, then an IP is InternalIP and a name is the Hostname, with the port', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  t.same(virtualNodeFor('n1', now).status!.addresses, [{ type: 'Hostname', address: 'n1.nodes.podferry.local' }]);
  t.notOk(virtualNodeFor('n1', now).status!.daemonEndpoints);
  const byIp = virtualNodeFor('n.1', now, { address: '10.0.0.7', port: 10250 }).status!;
  t.same(byIp.addresses, [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: 'n-1.nodes.podferry.local' }]);
  t.same(byIp.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  t.same(virtualNodeFor('n1', now, { address: 'node-proxy', port: 1 }).status!.addresses, [{ type: 'Hostname', address: 'node-proxy' }]);

  const proxy = { address: '10.0.0.7', port: 10250 };
  t.equal(nodeProxyStatusPatch(virtualNodeFor('n1', now, proxy), proxy), undefined, 'an up-to-date node needs nothing');
  t.same(nodeProxyStatusPatch(virtualNodeFor('n1', now), proxy), {
    status: { addresses: [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: 'n1.nodes.podferry.local' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } },
  });
});
