// A loopback stand-in for the host API server, for the node proxy's own tests: real HTTPS, pods served from
// a map, and every log and upgrade request recorded with its URL and headers. An upgrade is answered 101
// and then speaks raw bytes: it sends `greeting` and records everything the client sends, so a test can
// check the proxy passed both directions through untouched. (Not a simulator: it knows no Kubernetes rule
// beyond the paths it answers.)
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { renderKubeconfig } from '../../infra/kube-sim/kubeconfig.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Header lines as sent, repeated names kept apart. */
  rawHeaders: string[];
}

export interface FakeHostApi {
  kubeconfig: string;
  token: string;
  pods: Map<string, V1Pod>; // key namespace/name
  requests: RecordedRequest[];
  /** Bytes each upgraded connection received from the client, in order of connection. */
  upgradeBytes: Buffer[];
  greeting: Buffer;
  /** When set, upgrades are answered with this status and Status body instead of 101. */
  refuseUpgradeWith?: number;
  close(): Promise<void>;
}

const json = (body: unknown) => JSON.stringify(body);

export async function startFakeHostApi(greeting: Buffer): Promise<FakeHostApi> {
  const ca = await createCertificateAuthority('fake-host-ca');
  const serving = await ca.issueServerCert();
  const token = 'host-token-0123456789abcdef';
  const pods = new Map<string, V1Pod>();
  const requests: RecordedRequest[] = [];
  const upgradeBytes: Buffer[] = [];
  const sockets = new Set<Duplex>();
  const record = (method: string, url: string, headers: IncomingHttpHeaders, rawHeaders: string[]) => requests.push({ method, url, headers, rawHeaders });
  const authorized = (headers: IncomingHttpHeaders) => headers.authorization === `Bearer ${token}`;

  const server: Server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://host');
    const send = (code: number, body: string, type = 'application/json') => res.writeHead(code, { 'Content-Type': type }).end(body);
    if (!authorized(req.headers)) return send(401, json({ kind: 'Status', code: 401, reason: 'Unauthorized' }));
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
    if (!m) return send(404, json({ kind: 'Status', code: 404 }));
    const [, namespace, name, sub] = m;
    if (sub === 'log') {
      record(req.method ?? '', req.url ?? '', req.headers, req.rawHeaders);
      if (url.searchParams.get('previous') === 'true' && url.searchParams.get('container') === 'sidecar') {
        const message = `previous terminated container "sidecar" in pod "${name}" not found`;
        return send(400, json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 }));
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first line\n');
      setTimeout(() => res.end('second line\n'), 20);
      return;
    }
    if (name) {
      const pod = pods.get(`${namespace}/${name}`);
      return pod ? send(200, json(pod)) : send(404, json({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `pods "${name}" not found` }));
    }
    const selector = url.searchParams.get('labelSelector') ?? '';
    const [key, value] = selector.split('=');
    const items = [...pods.values()].filter((p) => p.metadata?.namespace === namespace && (!key || p.metadata?.labels?.[key] === value));
    return send(200, json({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }));
  });

  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    record(req.method ?? '', req.url ?? '', req.headers, req.rawHeaders);
    if (!authorized(req.headers) || fake.refuseUpgradeWith) {
      const code = authorized(req.headers) ? fake.refuseUpgradeWith! : 401;
      const body = json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `refused with ${code}`, code });
      socket.end(`HTTP/1.1 ${code} Refused\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    const received: Buffer[] = [head];
    const index = upgradeBytes.push(Buffer.alloc(0)) - 1;
    socket.on('data', (b: Buffer) => {
      received.push(b);
      upgradeBytes[index] = Buffer.concat(received);
    });
    const protocol = String(req.headers['sec-websocket-protocol'] ?? '').split(',')[0].trim();
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`);
    socket.write(greeting);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const fake: FakeHostApi = {
    kubeconfig: renderKubeconfig({ name: 'host', server: `https://127.0.0.1:${port}`, caPem: ca.certPem, user: 'podferry', token }),
    token,
    pods,
    requests,
    upgradeBytes,
    greeting,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  return fake;
}
