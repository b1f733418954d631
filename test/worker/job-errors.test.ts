// A permanent host failure ends the job with a SyncError event on the virtual pod, in the tenant's words:
// the host API's message names host objects, the event names the virtual ones.
import t from 'tap';
import { ApiException } from '@kubernetes/client-node';
import { UnrecoverableError as BullUnrecoverable } from 'bullmq';
import pino from 'pino';
import { createKubeSide } from '../../functions/_shared/kube/kube-side.js';
import { PooledKubeConfig } from '../../functions/_shared/kube/pooled-kube-config.js';
import { withJobErrors } from '../../functions/worker/job-errors.js';
import type { WorkerDeps } from '../../functions/worker/worker-deps.js';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';

let virtual: StartedCluster;
t.before(async () => {
  virtual = await startCluster({ mode: 'virtual' });
});
t.teardown(() => virtual?.close());

t.test('when the host refuses a pod for good, then the SyncError event names no host object', async (t) => {
  const kc = new PooledKubeConfig();
  kc.loadFromString(virtual.kubeconfig);
  const side = createKubeSide({ name: 'virtual', kubeConfig: kc });
  t.teardown(() => side.close());
  const deps = { cluster: 'demo', hostNamespace: 'vcluster-demo', virtual: side, log: pino({ level: 'silent' }), now: () => new Date() } as unknown as WorkerDeps;
  const status = { kind: 'Status', reason: 'Forbidden', code: 403, message: 'pods "web-x-default-x-demo" is forbidden: exceeded quota: compute-resources in namespace vcluster-demo, configmap "cfg-x-default-x-demo" in the way' };
  const ref = { cluster: 'demo', kind: 'Pod' as const, namespace: 'default', name: 'web' };
  await t.rejects(withJobErrors(ref, deps, undefined, async () => { throw new ApiException(403, 'Forbidden', JSON.stringify(status), {}); }), BullUnrecoverable);
  const events = (await side.core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.reason === 'SyncError');
  t.equal(events.length, 1);
  t.equal(events[0].message, 'podferry could not sync this pod to the host cluster: Forbidden (403): pods "web" is forbidden: exceeded quota: compute-resources in namespace default, configmap "cfg" in the way');
  t.notOk(/vcluster-demo|-x-default-x-demo/.test(events[0].message ?? ''), 'no host name');
});

t.test('when the host refuses a Service or a claim for good, then the SyncError event is on that object, in virtual names', async (t) => {
  const kc = new PooledKubeConfig();
  kc.loadFromString(virtual.kubeconfig);
  const side = createKubeSide({ name: 'virtual', kubeConfig: kc });
  t.teardown(() => side.close());
  const deps = { cluster: 'demo', hostNamespace: 'vcluster-demo', virtual: side, log: pino({ level: 'silent' }), now: () => new Date() } as unknown as WorkerDeps;
  const status = { kind: 'Status', reason: 'Forbidden', code: 403, message: 'services "web-x-default-x-demo" is forbidden: exceeded quota: services.loadbalancers in namespace vcluster-demo' };
  for (const kind of ['Service', 'PersistentVolumeClaim'] as const) {
    await t.rejects(withJobErrors({ cluster: 'demo', kind, namespace: 'default', name: 'web' }, deps, undefined, async () => { throw new ApiException(403, 'Forbidden', JSON.stringify(status), {}); }), BullUnrecoverable);
  }
  const events = (await side.core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.reason === 'SyncError' && e.involvedObject?.kind !== 'Pod');
  t.same(events.map((e) => e.involvedObject?.kind).sort(), ['PersistentVolumeClaim', 'Service']);
  const svc = events.find((e) => e.involvedObject?.kind === 'Service')!;
  t.equal(svc.message, 'podferry could not sync this Service to the host cluster: Forbidden (403): services "web" is forbidden: exceeded quota: services.loadbalancers in namespace default');
});
