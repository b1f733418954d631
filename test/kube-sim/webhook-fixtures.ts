// Test-only: HTTPS servers on 127.0.0.1 that play the webhook receivers the simulator calls (admission
// webhooks, the audit webhook), recording every JSON POST. Certificates come from infra/kube-sim/tls.ts.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Pem { certPem: string; keyPem: string }

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
