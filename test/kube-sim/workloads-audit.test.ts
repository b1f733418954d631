// The controllers' writes are audited like any client's: an audit consumer sees the pods a ReplicaSet creates
// and deletes, with the controller's identity, as it would from a real kube-apiserver.
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { deployments } from '../../infra/kube-sim/resources.js';
import { startCluster } from '../../infra/kube-sim/server.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { deploymentBody, eventually, write } from './workload-harness.js';

t.test('when a Deployment scales in a virtual cluster, then the pod creates and deletes of the ReplicaSet controller reach the audit webhook', async (t) => {
  const received: any[] = [];
  const ca = await createCertificateAuthority('receiver-ca');
  const serving = await ca.issueServerCert();
  const receiver = https.createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(...JSON.parse(body).items);
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const webhookKubeconfig = join(mkdtempSync(join(tmpdir(), 'workloads-audit-')), 'audit.kubeconfig');
  writeFileSync(webhookKubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'audit',
    clusters: [{ name: 'audit', cluster: { server: `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/audit`, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
    contexts: [{ name: 'audit', context: { cluster: 'audit', user: '' } }],
    users: [],
  }));
  const policy = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'RequestResponse', resources: [{ group: '', resources: ['pods'] }] }, { level: 'None' }] };
  const cluster = await startCluster({ mode: 'virtual', audit: { policy, webhookKubeconfig, batchMaxWaitMs: 50, initialBackoffMs: 50 } });
  t.teardown(() => cluster.close());

  await cluster.api.create(deployments, 'default', deploymentBody('au', 2), write);
  const creates = await eventually('2 audited pod creates', () => {
    const found = received.filter((e) => e.verb === 'create' && e.objectRef?.resource === 'pods' && e.stage === 'ResponseComplete');
    return found.length === 2 && found;
  });
  for (const e of creates) {
    t.equal(e.user.username, 'system:serviceaccount:kube-system:replicaset-controller');
    t.equal(e.responseStatus.code, 201);
    t.match(e.objectRef, { namespace: 'default', apiVersion: 'v1', name: /^au-\w+-\w{5}$/, uid: e.responseObject.metadata.uid });
    t.match(e.responseObject.metadata.ownerReferences, [{ kind: 'ReplicaSet', controller: true }]);
    t.match(e.userAgent, /^kube-controller-manager\/v1\.32\.0/);
  }
  await cluster.api.patch(deployments, 'default', 'au', 'merge', { spec: { replicas: 0 } }, write, 'scale');
  const deletes = await eventually('2 audited pod deletes', () => {
    const found = received.filter((e) => e.verb === 'delete' && e.objectRef?.resource === 'pods');
    return found.length === 2 && found;
  });
  t.same(deletes.map((e) => e.objectRef.name).sort(), creates.map((e) => e.objectRef.name).sort());
  t.ok(deletes.every((e) => e.responseStatus.code === 200 && e.user.username === 'system:serviceaccount:kube-system:replicaset-controller'));
});
