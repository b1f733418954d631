// kubectl's typed generators send protobuf. A recording server (discovery plus a POST that keeps the body)
// catches what `kubectl create <kind>` really sends, and the simulator's decoder must turn it into exactly
// the object `kubectl create <kind> --dry-run=client -o json` prints: the descriptors of protobuf-messages.ts
// are checked against kubectl itself, for the kinds of the workloads too.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { decodeProtobufObject } from '../../infra/kube-sim/protobuf.js';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { renderKubeconfig } from '../../infra/kube-sim/kubeconfig.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';

if (!hasKubectl) t.plan(0, 'no kubectl on PATH');

const resource = (name: string, kind: string, namespaced = true, extra: Record<string, unknown> = {}) =>
  ({ name, singularName: '', namespaced, kind, verbs: ['create', 'get', 'list'], ...extra });
const DOCS: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: ['apps', 'batch'].map((g) => ({ name: g, versions: [{ groupVersion: `${g}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${g}/v1`, version: 'v1' } })) },
  '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [
    resource('namespaces', 'Namespace', false), resource('configmaps', 'ConfigMap'), resource('secrets', 'Secret'), resource('services', 'Service'),
    resource('serviceaccounts', 'ServiceAccount'), resource('serviceaccounts/token', 'TokenRequest', true, { group: 'authentication.k8s.io', version: 'v1' }),
  ] },
  '/apis/apps/v1': { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [resource('deployments', 'Deployment')] },
  '/apis/batch/v1': { kind: 'APIResourceList', groupVersion: 'batch/v1', resources: [resource('jobs', 'Job')] },
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0' },
};

let server: Server;
let bodies: Array<{ type: string; body: Buffer }> = [];
const k = kubectlIn('protobuf-kubectl');

if (hasKubectl) {
  t.before(async () => {
    const ca = await createCertificateAuthority('recorder');
    const serving = await ca.issueServerCert();
    server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && DOCS[path]) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(DOCS[path]));
        return;
      }
      if (req.method !== 'POST') { res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","apiVersion":"v1","status":"Failure","code":404}'); return; }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        const answer = path.endsWith('/token')
          ? { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: {}, spec: {}, status: { token: 'recorded', expirationTimestamp: '2030-01-01T00:00:00Z' } }
          : decodeProtobufObject(Buffer.concat(chunks), 'application/vnd.kubernetes.protobuf');
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(k.kubeconfig, renderKubeconfig({ name: 'rec', server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caPem: ca.certPem, user: 'u', token: 't' }));
  });
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

  /** Flags go before a `--` that starts a container command. */
  const withFlags = (args: string[], ...flags: string[]) => {
    const at = args.indexOf('--');
    return at < 0 ? [...args, ...flags] : [...args.slice(0, at), ...flags, ...args.slice(at)];
  };

  /** The object kubectl would send, as its client-side dry run prints it. */
  async function expected(args: string[]): Promise<Record<string, unknown>> {
    const r = await k.run('create', ...withFlags(args, '--dry-run=client', '-o', 'json'));
    if (r.code !== 0) throw new Error(r.stderr);
    // An unset creationTimestamp prints as null; protobuf carries no such field to decode.
    return JSON.parse(r.stdout, (key, value) => (key === 'creationTimestamp' && value === null ? undefined : value));
  }

  const cases: Array<[string, string[]]> = [
    ['deployment', ['deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80']],
    ['job', ['job', 'once', '--image=busybox', '--', 'echo', 'hi']],
    ['service clusterip', ['service', 'clusterip', 'web', '--tcp=80:8080', '--tcp=443']],
    ['service nodeport', ['service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080']],
    ['headless service', ['service', 'clusterip', 'hl', '--clusterip=None']],
    ['configmap', ['configmap', 'settings', '--from-literal=a=1', '--from-literal=b=two']],
    ['secret', ['secret', 'generic', 'pw', '--from-literal=p=hunter2', '--type=Opaque']],
    ['namespace', ['namespace', 'team']],
    ['serviceaccount', ['serviceaccount', 'robot']],
  ];
  for (const [what, args] of cases) {
    t.test(`when kubectl creates a ${what}, then its protobuf body decodes to what its dry run prints`, async (t) => {
      bodies = [];
      const r = await k.run('create', ...withFlags(args, '--validate=false'));
      t.equal(r.code, 0, r.stderr);
      t.equal(bodies.length, 1);
      t.match(bodies[0].type, /^application\/vnd\.kubernetes\.protobuf/);
      t.same(decodeProtobufObject(bodies[0].body, bodies[0].type), await expected(args));
    });
  }

  t.test('when kubectl creates a bound token, then the TokenRequest decodes with its spec', async (t) => {
    bodies = [];
    const r = await k.run('create', 'token', 'robot', '--duration=20m', '--audience=vault', '--bound-object-kind=Pod', '--bound-object-name=p', '--bound-object-uid=u-1');
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout.trim(), 'recorded');
    t.same(decodeProtobufObject(bodies[0].body, bodies[0].type), {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {},
      spec: { audiences: ['vault'], expirationSeconds: 1200, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u-1' } }, status: {},
    });
  });
}
