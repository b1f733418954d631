// `npm start` stopped and started again on the same state dir: both clusters come back with their pods,
// services and claims, the kubeconfigs and tokens written by the first start still authenticate, and the
// restarted stack keeps syncing. `fresh` then starts empty.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { hostPodName } from '../../functions/_shared/core/names.js';
import { startLocalStack, type LocalStack } from '../../functions/start/local-stack.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { eventually, readOrUndefined } from '../helpers/stack.js';

let redis: RedisHandle;
let stateDir: string;
let stack: LocalStack | undefined;
t.before(async () => {
  redis = await startRedis();
  stateDir = await mkdtemp(join(tmpdir(), 'podferry-restart-'));
});
t.teardown(async () => {
  await stack?.close();
  await redis.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const start = (fresh = false) => startLocalStack({ stateDir, ephemeralPorts: true, redisUrl: redis.url, log: pino({ level: 'silent' }), kubeletStepMs: 20, fresh });

/** A client from a kubeconfig file as the first start wrote it, pointed at where the cluster listens now. */
function configFrom(text: string, server: string): KubeConfig {
  const doc = parse(text);
  doc.clusters[0].cluster.server = server;
  const kc = new KubeConfig();
  kc.loadFromString(stringify(doc));
  return kc;
}
async function clientFrom(text: string, server: string): Promise<CoreV1Api> {
  return configFrom(text, server).makeApiClient(CoreV1Api);
}
const deployment = { metadata: { name: 'api' }, spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } } };
const ready = (pod: V1Pod | undefined) => pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const pod = (name: string): V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });

t.test('when the stack restarts on its state dir, then both clusters, their credentials and the syncing are back', async (t) => {
  stack = await start();
  const virtual = await clientFrom(await readFile(stack.endpoints.virtual.kubeconfig, 'utf8'), stack.endpoints.virtual.url);
  await virtual.createNamespacedPod({ namespace: 'default', body: pod('before') });
  await virtual.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
  await virtual.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
  const apps = configFrom(await readFile(stack.endpoints.virtual.kubeconfig, 'utf8'), stack.endpoints.virtual.url).makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({ namespace: 'default', body: deployment });
  await eventually('the pod Ready', async () => ready(await virtual.readNamespacedPod({ namespace: 'default', name: 'before' })));
  const apiPods = await eventually('the Deployment\'s 2 pods Ready', async () => {
    const list = (await virtual.listNamespacedPod({ namespace: 'default', labelSelector: 'app=api' })).items;
    return list.length === 2 && list.every(ready) && list.map((p) => p.metadata!.uid).sort();
  }, 30_000);
  const before = await virtual.readNamespacedPod({ namespace: 'default', name: 'before' });
  const clusterIP = (await virtual.readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP;
  const files = {
    virtual: await readFile(stack.endpoints.virtual.kubeconfig, 'utf8'),
    podferry: await readFile(stack.endpoints.virtual.podferryKubeconfig, 'utf8'),
    host: await readFile(stack.endpoints.host.kubeconfig, 'utf8'),
  };
  const hostName = hostPodName('before', 'default', stack.endpoints.cluster);
  const hostNs = stack.endpoints.hostNamespace;
  await stack.close();
  stack = undefined;

  stack = await start();
  const { endpoints } = stack;
  const virtualAgain = await clientFrom(files.virtual, endpoints.virtual.url);
  const podferryAgain = await clientFrom(files.podferry, endpoints.virtual.url);
  const hostAgain = await clientFrom(files.host, endpoints.host.url);
  const after = await virtualAgain.readNamespacedPod({ namespace: 'default', name: 'before' });
  t.equal(after.metadata?.uid, before.metadata?.uid, 'the same pod, read with the kubeconfig of the first start');
  t.ok(ready(after));
  t.equal((await virtualAgain.readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP, clusterIP);
  t.ok(await virtualAgain.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'data' }));
  const appsAgain = configFrom(files.virtual, endpoints.virtual.url).makeApiClient(AppsV1Api);
  t.equal((await appsAgain.readNamespacedDeployment({ namespace: 'default', name: 'api' })).spec?.replicas, 2, 'the Deployment is back');
  const apiAgain = (await virtualAgain.listNamespacedPod({ namespace: 'default', labelSelector: 'app=api' })).items;
  t.same(apiAgain.map((p) => p.metadata!.uid).sort(), apiPods, 'with the same pods, not new ones');
  t.ok(apiAgain.every(ready), 'still Ready');
  t.ok((await podferryAgain.listNamespacedPod({ namespace: 'default' })).items.length >= 1, 'podferry\'s token of the first start is still accepted');
  const hostPod = await hostAgain.readNamespacedPod({ namespace: hostNs, name: hostName });
  t.equal(hostPod.status?.phase, 'Running', 'the host pod survived too');

  // The restarted webhook, audit and workers still sync (they use the kept certificate and tokens).
  await virtualAgain.createNamespacedPod({ namespace: 'default', body: pod('after') });
  await eventually('the new pod Ready', async () => ready(await readOrUndefined(() => virtualAgain.readNamespacedPod({ namespace: 'default', name: 'after' }))), 20_000);
  t.pass('a pod created after the restart was synced');
  await stack.close();
  stack = undefined;

  stack = await start(true);
  const fresh = await clientFrom(await readFile(stack.endpoints.virtual.kubeconfig, 'utf8'), stack.endpoints.virtual.url);
  t.equal(await readOrUndefined(() => fresh.readNamespacedPod({ namespace: 'default', name: 'before' })), undefined, '--fresh starts empty');
  t.not(await readFile(stack.endpoints.virtual.kubeconfig, 'utf8'), files.virtual, 'with new credentials');
});
