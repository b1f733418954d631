// The safety net for Services and claims: with every audit batch refused, resync alone syncs a new Service and
// claim, and deletes a host copy whose virtual object is gone.
import t from 'tap';
import { hostObjectName } from '../../functions/_shared/core/names.js';
import { translateService } from '../../functions/_shared/core/translate-service.js';
import { eventually, readOrUndefined, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 2 });
  stack.setAuditOutage(true); // no audit event reaches podferry: only resync (and the host watch) can act
});
t.teardown(() => stack?.stop());

const ns = 'default';
const hostNs = () => stack.endpoints.hostNamespace;
const hostName = (name: string) => hostObjectName(name, ns, stack.endpoints.cluster);
const virtualService = (name: string) => readOrUndefined(() => stack.virtualCore.readNamespacedService({ namespace: ns, name }));
const hostService = (name: string) => readOrUndefined(() => stack.hostCore.readNamespacedService({ namespace: hostNs(), name: hostName(name) }));
const inSync = async (name: string) => {
  const [v, h] = await Promise.all([virtualService(name), hostService(name)]);
  return Boolean(h?.spec?.clusterIP) && v?.spec?.clusterIP === h?.spec?.clusterIP && v?.metadata?.uid === h?.metadata?.annotations?.['vcluster.loft.sh/object-uid'] && v;
};

t.test('when a Service and a claim are created while audit is lost, then resync syncs them', async (t) => {
  await stack.virtualCore.createNamespacedService({ namespace: ns, body: { metadata: { name: 'quiet' }, spec: { selector: { app: 'q' }, ports: [{ port: 80 }] } } });
  await stack.virtualCore.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'quiet-data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
  await eventually('the Service synced, its host ClusterIP back', () => inSync('quiet'), 30_000);
  const claim = await eventually('the host claim', () => readOrUndefined(() => stack.hostCore.readNamespacedPersistentVolumeClaim({ namespace: hostNs(), name: hostName('quiet-data') })), 30_000);
  t.equal(claim.metadata?.annotations?.['vcluster.loft.sh/object-name'], 'quiet-data');
});

t.test('when a host Service podferry made has no virtual Service any more, then resync deletes it', async (t) => {
  const orphan = translateService({ metadata: { name: 'gone', namespace: ns, uid: '00000000-0000-4000-8000-000000000001' }, spec: { ports: [{ port: 80 }], selector: { app: 'gone' } } }, { vcluster: stack.endpoints.cluster, hostNamespace: hostNs() });
  await stack.hostCore.createNamespacedService({ namespace: hostNs(), body: orphan });
  await eventually('the orphan deleted', async () => (await hostService('gone')) === undefined, 30_000);
  t.pass('the missed delete is repaired');
});
