// Labels and annotations both ways, by origin: host-added keys come to the virtual pod and follow the host;
// keys the virtual pod set stay its own; translation never sends host keys back as the virtual pod's.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { HOST_ANNOTATIONS_ANNOTATION, HOST_LABELS_ANNOTATION, hostMetadataPatch, virtualKeysDrifted, withoutHostOwned } from '../../functions/_shared/core/host-metadata.js';
import { translatePod } from '../../functions/_shared/core/translate-pod.js';

const ctx = { vcluster: 'demo', hostNamespace: 'vcluster-demo', hostServiceAccount: 'default' };
const virtual = (labels: Record<string, string>, annotations: Record<string, string> = {}): V1Pod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1', labels, annotations }, spec: { containers: [{ name: 'app', image: 'nginx' }] },
});
const hostOf = (v: V1Pod, extraLabels: Record<string, string> = {}, extraAnnotations: Record<string, string> = {}): V1Pod => {
  const h = translatePod(v, ctx);
  h.metadata!.labels = { ...h.metadata!.labels, ...extraLabels };
  h.metadata!.annotations = { ...h.metadata!.annotations, ...extraAnnotations };
  return h;
};

t.test('when a host component adds a label and an annotation, then they are copied to the virtual pod and listed as the host\'s', async (t) => {
  const v = virtual({ app: 'web' });
  const patch = hostMetadataPatch(hostOf(v, { 'topology.example/zone': 'a' }, { 'cni.example/ip': '10.0.0.7' }), v);
  t.same(patch, { metadata: { labels: { 'topology.example/zone': 'a' }, annotations: { 'cni.example/ip': '10.0.0.7', [HOST_LABELS_ANNOTATION]: 'topology.example/zone', [HOST_ANNOTATIONS_ANNOTATION]: 'cni.example/ip' } } });
});

t.test('when nothing was added on the host, then there is nothing to copy', async (t) => {
  const v = virtual({ app: 'web' }, { note: 'mine' });
  t.equal(hostMetadataPatch(hostOf(v), v), undefined, 'podferry\'s own keys and the virtual pod\'s are not host additions');
});

t.test('when the host changes or drops a key it added, then the virtual pod follows; a key the virtual pod set is never touched', async (t) => {
  const v = virtual({ app: 'web', 'topology.example/zone': 'a', shared: 'mine' }, { [HOST_LABELS_ANNOTATION]: 'topology.example/zone' });
  t.same(hostMetadataPatch(hostOf(v, { 'topology.example/zone': 'b', shared: 'theirs' }), v), { metadata: { labels: { 'topology.example/zone': 'b' } } }, 'changed on the host: follows; the virtual pod\'s own "shared" stays');
  t.same(hostMetadataPatch(hostOf(v), v), { metadata: { labels: { 'topology.example/zone': null }, annotations: { [HOST_LABELS_ANNOTATION]: null } } }, 'dropped on the host: dropped');
});

t.test('when the virtual pod is translated, then the keys it has from the host are not sent back as its own', async (t) => {
  const v = virtual({ app: 'web', 'topology.example/zone': 'a' }, { 'cni.example/ip': '10.0.0.7', [HOST_LABELS_ANNOTATION]: 'topology.example/zone', [HOST_ANNOTATIONS_ANNOTATION]: 'cni.example/ip' });
  const host = translatePod(v, ctx);
  t.notOk('topology.example/zone' in (host.metadata!.labels ?? {}));
  t.notOk('cni.example/ip' in (host.metadata!.annotations ?? {}));
  t.equal(host.metadata!.annotations!['vcluster.loft.sh/managed-labels'], 'app', 'only the virtual pod\'s own label is managed');
  t.notOk(HOST_LABELS_ANNOTATION in (host.metadata!.annotations ?? {}), 'the lists stay on the virtual side');
  t.same(withoutHostOwned(virtual({ a: 'b' })), virtual({ a: 'b' }), 'a pod without host keys is unchanged');
});

t.test('when a key the virtual pod owns is changed on the host, then that is drift (the virtual value wins through sync)', async (t) => {
  const v = virtual({ app: 'web' }, { note: 'mine' });
  t.equal(virtualKeysDrifted(hostOf(v), v, 'demo'), false, 'in agreement');
  t.equal(virtualKeysDrifted(hostOf(v, { app: 'changed' }), v, 'demo'), true, 'a label changed on the host');
  t.equal(virtualKeysDrifted(hostOf(v, {}, { note: 'changed' }), v, 'demo'), true, 'an annotation changed on the host');
  t.equal(virtualKeysDrifted(hostOf(v, { 'extra.example/x': '1' }), v, 'demo'), false, 'a host addition is not drift');
});
