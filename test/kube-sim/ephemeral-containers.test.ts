// pods/ephemeralcontainers as kubectl debug uses it, through client-node against both simulator modes: added
// by strategic merge patch, read and replaced as a whole Pod, never changed or removed, no ports/probes/resources.
import { request } from 'node:https';
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';

async function statusOf(call: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return typeof err.body === 'string' ? JSON.parse(err.body) : (err.body as Record<string, unknown>);
    throw err;
  }
  throw new Error('expected the call to fail');
}

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** The pod as read, for an unconditional PUT: in host mode the kubelet writes status between read and write. */
function unconditional(pod: V1Pod): V1Pod {
  const copy = structuredClone(pod);
  delete copy.metadata!.resourceVersion;
  return copy;
}
const pod = (name: string): V1Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });

for (const mode of ['virtual', 'host'] as const) {
  t.test(`in ${mode} mode`, async (t) => {
    const cluster: StartedCluster = await startCluster({ mode, nodes: 1, kubelet: { startupDelayMs: 20 } });
    t.teardown(() => cluster.close());
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = 'default';

    t.test('when kubectl debug patches in an ephemeral container, then the pod carries it, defaulted, and the subresource reads as the Pod', async (t) => {
      await core.createNamespacedPod({ namespace, body: pod('dbg') });
      const patched = await core.patchNamespacedPodEphemeralcontainers({
        namespace, name: 'dbg',
        body: { spec: { ephemeralContainers: [{ name: 'debugger-abcde', image: 'busybox', stdin: true, tty: true, resources: {}, terminationMessagePolicy: 'File' }] } },
      }, strategic);
      t.equal(patched.kind, 'Pod');
      t.match(patched.spec?.ephemeralContainers, [{ name: 'debugger-abcde', image: 'busybox', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', stdin: true, tty: true }]);
      t.equal(patched.spec?.containers.length, 1, 'the rest of the spec is untouched');
      const read = unconditional(await core.readNamespacedPodEphemeralcontainers({ namespace, name: 'dbg' }));
      t.equal(read.spec?.ephemeralContainers?.[0]?.name, 'debugger-abcde');

      const second = { ...read, spec: { ...read.spec!, ephemeralContainers: [...read.spec!.ephemeralContainers!, { name: 'two', image: 'alpine' }] } };
      const replaced = await core.replaceNamespacedPodEphemeralcontainers({ namespace, name: 'dbg', body: second });
      t.same(replaced.spec?.ephemeralContainers?.map((c) => c.name), ['debugger-abcde', 'two']);
    });

    t.test('when an existing ephemeral container is changed or removed, then the update is refused with the real messages', async (t) => {
      const current = unconditional(await core.readNamespacedPodEphemeralcontainers({ namespace, name: 'dbg' }));
      const removed = await statusOf(core.replaceNamespacedPodEphemeralcontainers({ namespace, name: 'dbg', body: { ...current, spec: { ...current.spec!, ephemeralContainers: [current.spec!.ephemeralContainers![1]!] } } }));
      t.match(removed, { code: 422, reason: 'Invalid', message: /^Pod "dbg" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-abcde" may not be removed/ });
      const changed = structuredClone(current);
      changed.spec!.ephemeralContainers![0]!.image = 'busybox:2';
      const refused = await statusOf(core.replaceNamespacedPodEphemeralcontainers({ namespace, name: 'dbg', body: changed }));
      t.match(refused, { code: 422, message: /existing ephemeral containers "debugger-abcde" may not be changed/ });
      t.match(refused.details.causes, [{ reason: 'FieldValueForbidden', field: 'spec.ephemeralContainers' }]);
    });

    t.test('when an ephemeral container sets ports, resources or probes, or reuses a name, then each field is named Forbidden', async (t) => {
      const refused = await statusOf(core.patchNamespacedPodEphemeralcontainers({
        namespace, name: 'dbg',
        body: { spec: { ephemeralContainers: [
          { name: 'bad', image: 'busybox', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, readinessProbe: { exec: { command: ['true'] } }, targetContainerName: 'nope' },
          { name: 'app', image: 'busybox' },
        ] } },
      }, strategic));
      t.equal(refused.code, 422);
      // Indexes follow the merged list's order, so they are left out of the comparison.
      const causes = refused.details.causes.map((c: { field: string; message: string }) => `${c.field.replace(/\[\d+\]/, '[*]')}: ${c.message}`);
      t.same(causes.sort(), [
        'spec.ephemeralContainers[*].name: Duplicate value: "app"',
        'spec.ephemeralContainers[*].ports: Forbidden: cannot be set for an Ephemeral Container',
        'spec.ephemeralContainers[*].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
        'spec.ephemeralContainers[*].resources: Forbidden: cannot be set for an Ephemeral Container',
        'spec.ephemeralContainers[*].targetContainerName: Not found: "nope"',
      ].sort());
    });

    t.test('when a pod is created with ephemeral containers or gains one through the main resource, then it is refused', async (t) => {
      const created = await statusOf(core.createNamespacedPod({ namespace, body: { ...pod('eph'), spec: { ...pod('eph').spec!, ephemeralContainers: [{ name: 'x', image: 'busybox' }] } } }));
      t.match(created, { code: 422, message: 'Pod "eph" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create' });
      await core.createNamespacedPod({ namespace, body: pod('plain') });
      const main = await statusOf(core.patchNamespacedPod({ namespace, name: 'plain', body: { spec: { ephemeralContainers: [{ name: 'x', image: 'busybox' }] } } }, strategic));
      t.match(main, { code: 422, message: /pod updates may not change fields other than/ });
    });

    t.test('when discovery is read, then the pods entry lists the streaming and ephemeral subresources as kube-apiserver does', async (t) => {
      const opts: Record<string, unknown> = {};
      await kc.applyToHTTPSOptions(opts);
      const url = new URL('/api/v1', cluster.url);
      const list = await new Promise<{ resources: Array<{ name: string; kind: string; verbs: string[] }> }>((resolve, reject) => {
        request({ ...opts, hostname: url.hostname, port: url.port, path: url.pathname }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(JSON.parse(text)));
        }).on('error', reject).end();
      });
      const pods = list.resources.filter((r) => r.name.startsWith('pods/')).map((r) => `${r.name} ${r.kind} ${r.verbs.join(',')}`);
      t.same(pods, [
        'pods/attach PodAttachOptions create,get', 'pods/binding Binding create', 'pods/ephemeralcontainers Pod get,patch,update',
        'pods/exec PodExecOptions create,get', 'pods/log Pod get', 'pods/portforward PodPortForwardOptions create,get', 'pods/status Pod get,patch,update',
      ]);
    });

    t.test('when the pod or the path does not exist, then the 404 Status carries details, as kubectl debug needs', async (t) => {
      const missing = await statusOf(core.readNamespacedPodEphemeralcontainers({ namespace, name: 'none' }));
      t.match(missing, { code: 404, reason: 'NotFound', message: 'pods "none" not found', details: { name: 'none', kind: 'pods' } });
      const opts: Record<string, unknown> = {};
      await kc.applyToHTTPSOptions(opts);
      const url = new URL('/api/v1/namespaces/default/pods/plain/nosuch', cluster.url);
      const body = await new Promise<Record<string, unknown>>((resolve, reject) => {
        request({ ...opts, hostname: url.hostname, port: url.port, path: url.pathname }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(JSON.parse(text)));
        }).on('error', reject).end();
      });
      t.match(body, { code: 404, reason: 'NotFound', details: {} });
      t.ok('details' in body);
    });
  });
}
