// A WebSocket client for tests that need a subprotocol no library offers (v4, base64, SPDY tunnels): the
// simulator's own framing in client mode over an HTTPS upgrade with the kubeconfig's credentials.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { clientHandshake, WebSocketConnection } from '../../infra/kube-sim/streaming/websocket.js';

export type Upgraded = { ws: WebSocketConnection } | { code: number; body: string };

export async function connectWebSocket(kc: KubeConfig, path: string, protocols: string[]): Promise<Upgraded> {
  const opts: Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(path, kc.getCurrentCluster()!.server);
  const { headers, accept } = clientHandshake(protocols);
  return new Promise((resolve, reject) => {
    const req = request({ ...opts, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers });
    req.on('upgrade', (res, socket, head) => {
      if (res.headers['sec-websocket-accept'] !== accept) reject(new Error('bad Sec-WebSocket-Accept'));
      const ws = new WebSocketConnection(socket, String(res.headers['sec-websocket-protocol'] ?? ''), true);
      if (head.length) ws.receive(head);
      resolve({ ws });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Collects every message until the server closes; resolves with them and the close code. */
export function drain(ws: WebSocketConnection): Promise<{ messages: Array<{ data: Buffer; binary: boolean }>; code: number }> {
  const messages: Array<{ data: Buffer; binary: boolean }> = [];
  ws.on('message', (data, binary) => messages.push({ data, binary }));
  return new Promise((resolve) => ws.on('close', (code) => resolve({ messages, code })));
}
