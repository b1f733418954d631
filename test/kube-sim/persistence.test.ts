// A cluster with a data dir survives a restart: the objects, resourceVersions that go on, a watch resumed
// from before the restart, the same credentials, running host pods taken over by the kubelets rather than
// restarted. The store's log tolerates a line cut short by a crash, and compaction keeps the state.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { openPersistentStore } from '../../infra/kube-sim/persistence.js';
import { configMaps, events, pods, services } from '../../infra/kube-sim/resources.js';
import { startCluster } from '../../infra/kube-sim/server.js';
import type { KubeObject, WatchEvent } from '../../infra/kube-sim/types.js';
import { wo } from './api-test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kube-sim-persist-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const cm = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

function coreFor(kubeconfig: string, server?: string): CoreV1Api {
  const doc = parse(kubeconfig);
  if (server) doc.clusters[0].cluster.server = server;
  const kc = new KubeConfig();
  kc.loadFromString(stringify(doc));
  return kc.makeApiClient(CoreV1Api);
}

t.test('when a virtual cluster restarts on its data dir, then its objects, revisions and credentials are back', async (t) => {
  const dataDir = join(dir, 'virtual');
  const first = await startCluster({ mode: 'virtual', dataDir });
  await first.api.create(configMaps, 'default', cm('kept'), wo());
  const changed = await first.api.update(configMaps, 'default', 'kept', { ...first.api.get(configMaps, 'default', 'kept'), data: { a: '2' } }, wo());
  const lastRv = Number(first.api.currentResourceVersion());
  const oldKubeconfig = first.kubeconfig;
  await first.close();

  const second = await startCluster({ mode: 'virtual', dataDir });
  t.teardown(() => second.close());
  const back = second.api.get(configMaps, 'default', 'kept');
  t.same(back.data, { a: '2' });
  t.equal(back.metadata.uid, changed.metadata.uid);
  t.equal(back.metadata.resourceVersion, changed.metadata.resourceVersion);
  t.ok(Number(second.api.currentResourceVersion()) >= lastRv, 'the revision did not go back');
  const next = await second.api.create(configMaps, 'default', cm('new'), wo());
  t.ok(Number(next.metadata.resourceVersion) > lastRv, 'new writes continue after the old revisions');

  // A watch resumed from a revision before the restart replays what came after it.
  const seen: WatchEvent[] = [];
  const w = second.api.watch(configMaps, 'default', { resourceVersion: changed.metadata.resourceVersion }, (e) => seen.push(e));
  w.stop();
  t.same(seen.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'new']]);

  // The kubeconfig written by the first start still authenticates (its CA and client certificate were kept).
  const list = await coreFor(oldKubeconfig, second.url).listNamespacedConfigMap({ namespace: 'default' });
  t.ok(list.items.some((c) => c.metadata?.name === 'kept'));
  t.equal(second.kubeconfig.replace(/server: .*/, ''), oldKubeconfig.replace(/server: .*/, ''));
});

t.test('when a host cluster restarts, then its running pods are taken over, not restarted', async (t) => {
  const dataDir = join(dir, 'host');
  const first = await startCluster({ mode: 'host', nodes: 1, kubelet: { startupDelayMs: 10 }, dataDir });
  await first.api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }, wo());
  const running = await new Promise<KubeObject>((resolve) => {
    const w = first.api.watch(pods, 'default', {}, (e) => {
      if ((e.object.status as { phase?: string } | undefined)?.phase === 'Running') { queueMicrotask(() => w.stop()); resolve(e.object); }
    });
  });
  await new Promise((r) => setTimeout(r, 50));
  const before = first.api.get(pods, 'default', 'web');
  const eventsBefore = first.api.list(events, 'default', {}).items.length;
  await first.close();

  const second = await startCluster({ mode: 'host', nodes: 1, kubelet: { startupDelayMs: 10 }, dataDir });
  t.teardown(() => second.close());
  await new Promise((r) => setTimeout(r, 200));
  const after = second.api.get(pods, 'default', 'web');
  t.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'no status write: the kubelet took the pod over as it was');
  t.equal((after.status as { podIP?: string }).podIP, (running.status as { podIP?: string }).podIP);
  t.equal(second.api.list(events, 'default', {}).items.length, eventsBefore, 'no new Pulling/Started events');
  // A new pod on the same node does not get the taken-over pod's address.
  await second.api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'second' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }, wo());
  const ip = await new Promise<string>((resolve) => {
    const w = second.api.watch(pods, 'default', { fieldSelector: 'metadata.name=second' }, (e) => {
      const podIP = (e.object.status as { podIP?: string } | undefined)?.podIP;
      if (podIP) { queueMicrotask(() => w.stop()); resolve(podIP); }
    });
  });
  t.not(ip, (after.status as { podIP?: string }).podIP);
});

t.test('when the log ends in a torn line or is compacted, then the state it holds is what comes back', async (t) => {
  const storeDir = join(dir, 'store-only');
  const a = openPersistentStore(storeDir, { maxLogBytes: 1 << 30 });
  const { createApi } = await import('../../infra/kube-sim/api.js');
  const api = createApi({ store: a.store });
  for (let i = 0; i < 5; i++) await api.create(configMaps, 'default', cm(`c${i}`), wo());
  await new Promise((r) => setImmediate(r));
  a.close();
  appendFileSync(join(storeDir, 'changes.ndjson'), '{"rv":999,"t":"ADDED","k":"/configmaps","o":{"metad');
  const b = openPersistentStore(storeDir);
  t.same(b.store.list(configMaps, 'default').map((o) => o.metadata.name).filter((n) => n!.startsWith('c')), ['c0', 'c1', 'c2', 'c3', 'c4']);
  const rv = b.store.currentRv();
  t.ok(rv < 999, 'the torn line was not applied');
  await b.compact();
  t.equal(readFileSync(join(storeDir, 'changes.ndjson'), 'utf8'), '', 'the log was folded into the snapshot');
  // Writes during a fold land in the new log and survive with the snapshot.
  const during = createApi({ store: b.store });
  const folding = b.compact();
  await during.create(configMaps, 'default', cm('during'), wo());
  await folding;
  await new Promise((r) => setImmediate(r));
  b.close();
  const c = openPersistentStore(storeDir);
  t.ok(c.store.get(configMaps, 'default', 'during'), 'the write made during the fold is back');
  t.equal(c.store.list(configMaps, 'default').length, b.store.list(configMaps, 'default').length);
  const foldedAt = Number(c.store.get(configMaps, 'default', 'during')!.metadata.resourceVersion) - 1;
  t.ok(foldedAt >= rv);
  t.throws(() => c.store.changesSince(foldedAt - 1), { code: 410 }, 'history before the snapshot is gone: 410');
  t.same(c.store.changesSince(foldedAt).map((ch) => ch.name), ['during'], 'what came after the snapshot is history again');
  c.close();
});

t.test('when a cluster restarts on its data dir with another service range and port, then it starts, keeping the kubernetes Service address', async (t) => {
  const dataDir = join(dir, 'range-change');
  const first = await startCluster({ mode: 'virtual', dataDir, serviceCidr: '10.43.0.0/16' });
  await first.close();
  // npm start's virtual cluster took the host's range later (ADR 0008): a state dir of an earlier run must still start.
  const second = await startCluster({ mode: 'virtual', dataDir, serviceCidr: '10.96.0.0/12' });
  t.teardown(() => second.close());
  const svc = second.api.get(services, 'default', 'kubernetes') as unknown as { spec: { clusterIP: string; ports: Array<{ targetPort: number }> } };
  t.equal(svc.spec.clusterIP, '10.43.0.1', 'an allocated address never changes');
  t.equal(svc.spec.ports[0].targetPort, second.port, 'the port follows the server');
});
