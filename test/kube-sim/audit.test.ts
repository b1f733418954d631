// createAuditSink against a real HTTPS receiver on 127.0.0.1, configured the way kube-apiserver is:
// a policy (object or YAML file) and a kubeconfig naming the webhook.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createAuditSink } from '../../infra/kube-sim/audit.js';
import type { AuditOptions, AuditRequest, AuditResponse } from '../../infra/kube-sim/types.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { b64, startHttpsServer, type Reply, type Received } from './webhook-fixtures.js';

const ca = await createCertificateAuthority('audit-ca');
const serverPem = { ...(await ca.issueServerCert(['127.0.0.1'])), caPem: ca.certPem };
const clientPem = await ca.issueClientCert('system:apiserver-audit', []);
const dir = await mkdtemp(join(tmpdir(), 'kube-sim-audit-'));

let seq = 0;
async function kubeconfig(server: string, user: Record<string, string>, cluster: Record<string, string> = { 'certificate-authority-data': b64(ca.certPem) }) {
  const path = join(dir, `audit-${++seq}.kubeconfig`);
  await writeFile(path, stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'audit', cluster: { server, ...cluster } }],
    users: [{ name: 'apiserver', user }],
    contexts: [{ name: 'default', context: { cluster: 'audit', user: 'apiserver' } }],
    'current-context': 'default',
  }));
  return path;
}
const certUser = { 'client-certificate-data': b64(clientPem.certPem), 'client-key-data': b64(clientPem.keyPem) };

async function receiver(answer: (r: Received) => Reply = () => ({ body: {} })) {
  const server = await startHttpsServer(serverPem, answer);
  t.teardown(() => server.close());
  return server;
}

const podsPolicy = {
  apiVersion: 'audit.k8s.io/v1', kind: 'Policy',
  rules: [
    { level: 'RequestResponse', resources: [{ group: '', resources: ['pods'] }] },
    { level: 'None' },
  ],
};

function request(i: number, over: Partial<AuditRequest> = {}): AuditRequest {
  return {
    auditID: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, verb: 'create', requestURI: '/api/v1/namespaces/team-a/pods',
    user: { username: 'alice', groups: ['system:authenticated'] }, sourceIPs: ['127.0.0.1'], userAgent: 'kubectl/v1.31.0',
    objectRef: { resource: 'pods', namespace: 'team-a', name: `web-${i}`, apiVersion: 'v1' },
    requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: `web-${i}` } },
    requestReceivedTimestamp: '2026-01-02T03:04:05.000001Z', ...over,
  };
}
const created = (i: number): AuditResponse => ({ code: 201, responseObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: `web-${i}`, uid: `uid-${i}` } } });

async function sink(server: string, over: Partial<AuditOptions> = {}, user: Record<string, string> = certUser) {
  return createAuditSink({ policy: podsPolicy, webhookKubeconfig: await kubeconfig(server, user), batchMaxSize: 4, batchMaxWaitMs: 5000, bufferSize: 100, initialBackoffMs: 20, ...over });
}
const items = (received: Received[]) => received.flatMap((r) => r.body.items as Array<Record<string, any>>);

t.test('when requests are recorded, then EventList batches carry each kept stage with the policy level', async (t) => {
  const server = await receiver();
  const audit = await sink(server.url);
  for (let i = 0; i < 3; i++) {
    audit.record('RequestReceived', request(i));
    audit.record('ResponseComplete', request(i), created(i));
  }
  audit.record('ResponseComplete', request(9, { objectRef: { resource: 'secrets', namespace: 'team-a', name: 's' } }), { code: 200 });
  await audit.close();

  t.equal(server.received.length, 2, '6 events in batches of at most 4');
  for (const r of server.received) {
    t.match(r.body, { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {} });
    t.ok(r.body.items.length <= 4);
    t.equal(r.clientCertCn, 'system:apiserver-audit', 'the kubeconfig client certificate was presented');
    t.match(r.headers['content-type'], /^application\/json/);
  }
  const events = items(server.received);
  t.same(events.map((e) => e.stage), ['RequestReceived', 'ResponseComplete', 'RequestReceived', 'ResponseComplete', 'RequestReceived', 'ResponseComplete']);
  t.notOk(events.some((e) => e.objectRef.resource === 'secrets'), 'level None records nothing');
  const complete = events[1];
  t.match(complete, {
    level: 'RequestResponse', auditID: request(0).auditID, verb: 'create', requestURI: '/api/v1/namespaces/team-a/pods',
    user: { username: 'alice' }, sourceIPs: ['127.0.0.1'], userAgent: 'kubectl/v1.31.0',
    objectRef: { resource: 'pods', namespace: 'team-a', name: 'web-0', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: { metadata: { name: 'web-0' } }, responseObject: { metadata: { uid: 'uid-0' } },
    annotations: { 'authorization.k8s.io/decision': 'allow' },
  });
  t.match(complete.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.notOk('requestObject' in events[0], 'RequestReceived precedes the decoded body');
  t.same(audit.stats(), { sent: 6, dropped: 0, failedBatches: 0 });
});

t.test('when fewer events than a batch arrive, then they are sent after the max wait', async (t) => {
  const server = await receiver();
  const audit = await sink(server.url, { batchMaxSize: 100, batchMaxWaitMs: 150 });
  audit.record('ResponseComplete', request(1), created(1));
  audit.record('ResponseComplete', request(2), created(2));
  await new Promise((resolve) => setTimeout(resolve, 450));
  t.equal(server.received.length, 1);
  t.equal(server.received[0].body.items.length, 2);
  await audit.close();
});

t.test('when events outrun the throttled sender, then the bounded buffer drops and counts the newest', async (t) => {
  const server = await receiver();
  const audit = await sink(server.url, { batchMaxSize: 2, bufferSize: 3 });
  for (let i = 0; i < 100; i++) audit.record('ResponseComplete', request(i), created(i));
  // 15 batches pass the token bucket at once; the 16th waits holding 2 events; 3 more fill the buffer:
  // 35 accepted, give or take the tokens refilled (10/s) while the loop itself ran.
  const droppedAtOnce = audit.stats().dropped;
  t.ok(droppedAtOnce >= 55 && droppedAtOnce <= 65, `dropped ${droppedAtOnce}`);
  await audit.close();
  t.same(audit.stats(), { sent: 100 - droppedAtOnce, dropped: droppedAtOnce, failedBatches: 0 });
  t.equal(items(server.received).length, 100 - droppedAtOnce);
});

t.test('when the receiver fails and then recovers, then the same batch is retried and delivered', async (t) => {
  let calls = 0;
  const server = await receiver(() => (++calls <= 2 ? { status: 500, body: 'down', contentType: 'text/plain' } : { body: {} }));
  const audit = await sink(server.url);
  audit.record('ResponseComplete', request(1), created(1));
  audit.record('ResponseComplete', request(2), created(2));
  await audit.close();
  t.equal(server.received.length, 3);
  t.same(server.received.map((r) => r.body.items.map((e: { auditID: string }) => e.auditID)), Array(3).fill([request(1).auditID, request(2).auditID]));
  t.same(audit.stats(), { sent: 2, dropped: 0, failedBatches: 0 });
});

t.test('when the receiver keeps failing, then the batch is dropped after five attempts', async (t) => {
  const server = await receiver(() => ({ status: 503, body: {} }));
  const audit = await sink(server.url);
  audit.record('ResponseComplete', request(1), created(1));
  audit.record('ResponseComplete', request(2), created(2));
  await audit.close();
  t.equal(server.received.length, 5);
  t.same(audit.stats(), { sent: 0, dropped: 2, failedBatches: 1 });
  audit.record('ResponseComplete', request(3), created(3));
  t.equal(audit.stats().dropped, 3, 'events after close are lost');
});

t.test('when policy and CA come from files and the user has a token, then they are honoured', async (t) => {
  const server = await receiver();
  const policyPath = join(dir, 'policy.yaml');
  await writeFile(policyPath, stringify({ ...podsPolicy, omitStages: ['RequestReceived'] }));
  await writeFile(join(dir, 'ca.crt'), ca.certPem);
  const path = await kubeconfig(server.url, { token: 'audit-token' }, { 'certificate-authority': 'ca.crt' });
  const audit = await createAuditSink({ policy: policyPath, webhookKubeconfig: path, batchMaxSize: 10, batchMaxWaitMs: 5000 });
  audit.record('RequestReceived', request(1));
  audit.record('ResponseComplete', request(1), created(1));
  await audit.close();
  t.equal(server.received[0].headers.authorization, 'Bearer audit-token');
  t.same(items(server.received).map((e) => e.stage), ['ResponseComplete']);
});

t.test('when the kubeconfig names a plain http server, then batches are posted over http', async (t) => {
  const bodies: any[] = [];
  const plain = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => plain.close(() => resolve())));
  const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/audit`;
  const audit = await createAuditSink({ policy: podsPolicy, webhookKubeconfig: await kubeconfig(url, {}, {}), batchMaxSize: 10 });
  audit.record('ResponseComplete', request(1), created(1));
  await audit.close();
  t.equal(bodies.length, 1);
  t.equal(bodies[0].items[0].auditID, request(1).auditID);
});
