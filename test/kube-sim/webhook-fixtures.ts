// Test-only: a throwaway CA, certificates it issues, and HTTPS servers on 127.0.0.1 that play the
// webhook receivers the simulator calls. Keys come from node:crypto (fast), signing from node-forge.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface Pem { certPem: string; keyPem: string }

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { keyPem, key: forge.pki.privateKeyFromPem(keyPem), pub: forge.pki.publicKeyFromPem(pubPem) };
}

let serial = 1;

function certificate(subjectCn: string, pub: forge.pki.PublicKey, extensions: object[]) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subjectCn }]);
  cert.setExtensions(extensions);
  return cert;
}

export interface TestCa extends Pem {
  issue(cn: string, sans: { dns?: string[]; ips?: string[] }, usage?: 'server' | 'client'): Pem;
}

export function makeCa(cn = 'test-ca'): TestCa {
  const { keyPem, key, pub } = newKey();
  const ca = certificate(cn, pub, [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true }]);
  ca.setIssuer(ca.subject.attributes);
  ca.sign(key, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(ca),
    keyPem,
    issue(leafCn, sans, usage = 'server') {
      const leaf = newKey();
      const altNames = [
        ...(sans.dns ?? []).map((value) => ({ type: 2, value })),
        ...(sans.ips ?? []).map((ip) => ({ type: 7, ip })),
      ];
      const extensions: object[] = [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
      ];
      if (altNames.length) extensions.push({ name: 'subjectAltName', altNames });
      const cert = certificate(leafCn, leaf.pub, extensions);
      cert.setIssuer(ca.subject.attributes);
      cert.sign(key, forge.md.sha256.create());
      return { certPem: forge.pki.certificateToPem(cert), keyPem: leaf.keyPem };
    },
  };
}

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export interface Received {
  path: string; // path and query as sent
  headers: IncomingMessage['headers'];
  body: any;
  clientCertCn?: string;
}

export type Reply = { status?: number; body?: unknown; delayMs?: number; contentType?: string };

export interface TestServer {
  url: string; // https://127.0.0.1:<port>
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** An HTTPS server that records each JSON POST and answers with what `answer` returns. */
export async function startHttpsServer(tls: Pem & { caPem?: string }, answer: (r: Received) => Reply | Promise<Reply>): Promise<TestServer> {
  const received: Received[] = [];
  const server: Server = createServer({
    cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, requestCert: Boolean(tls.caPem), rejectUnauthorized: false,
  }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate?.();
      const r: Received = { path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined };
      if (peer && peer.subject) r.clientCertCn = String(peer.subject.CN);
      received.push(r);
      const reply = await answer(r);
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (res.destroyed) return;
      const out = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json' });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
