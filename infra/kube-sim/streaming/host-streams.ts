// Host mode's PodStreams: the simulator is its own kubelet here, so the API server's checks and the kubelet's
// work happen in one place, over the simulated container runtime. Upgrades are WebSocket (every
// *channel.k8s.io protocol, and SPDY tunnelled over WebSocket for port-forward) or SPDY/3.1.
//
//   exec, attach   WebSocket v5 (as the API server's translator), v4, channel, base64, v4.base64;
//                  SPDY/3.1 v4, v3, v2, channel (as the kubelet; kubectl falls back to it)
//   portforward    WebSocket SPDY/3.1+portforward.k8s.io (kubectl 1.31+, the API server's tunnel);
//                  WebSocket v4.channel.k8s.io, v4.base64 or none with ?ports= (client-node, Python);
//                  SPDY/3.1 portforward.k8s.io (kubectl's fallback and older kubectl)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRequest, type KubeError } from '../errors.js';
import type { ContainerInstance } from '../container-runtime/instance.js';
import type { SimRuntime } from '../container-runtime/runtime.js';
import { asKubeError } from '../respond.js';
import type { Api, KubeObject } from '../types.js';
import type { Sandbox } from '../container-runtime/runtime.js';
import { negotiate, PORT_FORWARD_PROTOCOLS, REMOTE_COMMAND_PROTOCOLS } from './channel-protocol.js';
import { parsePorts, servePortForwardWebSocket } from './portforward-ws.js';
import { servePortForwardSpdy } from './portforward-spdy.js';
import { SpdyConnection } from './spdy/connection.js';
import { acceptSpdy, socketTransport, webSocketTransport } from './spdy/transports.js';
import { serveSpdyCommand, SPDY_REMOTE_COMMAND_PROTOCOLS } from './spdy-remote-command.js';
import { refuseUpgrade } from './http-routes.js';
import { servePodLog } from './pod-log.js';
import type { PodStreams, PodStreamTarget } from './pod-streams.js';
import { getPod, requireNode, resolveContainer } from './pod-target.js';
import { commandOptions } from './remote-command.js';
import { acceptWebSocket, handshakeProblem, isWebSocketRequest, offeredProtocols } from './websocket.js';
import { serveWebSocketCommand } from './ws-remote-command.js';

const TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

function isSpdyRequest(req: IncomingMessage): boolean {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  return upgrade.includes('spdy/3.1') && (req.headers.connection ?? '').toLowerCase().includes('upgrade');
}

/** X-Stream-Protocol-Version values, one per header line or comma-separated. */
function streamProtocols(req: IncomingMessage): string[] {
  return (req.headersDistinct['x-stream-protocol-version'] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** A plain-text HTTP answer on the raw socket, as the kubelet's refusals reach the client through the proxy. */
function plainText(socket: Duplex, code: number, text: string, headers: Record<string, string> = {}): void {
  const reason = ({ 500: 'Internal Server Error', 404: 'Not Found', 403: 'Forbidden' } as Record<number, string>)[code] ?? 'Bad Request';
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}Connection: close\r\n\r\n${text}`);
}

export interface HostStreams extends PodStreams {
  /** Ends every open stream (server shutdown). */
  close(): void;
}

export function createHostStreams(api: Api, runtime: SimRuntime): HostStreams {
  const open = new Set<Duplex>();

  /** The checks kube-apiserver makes before it dials a kubelet (ExecLocation, AttachLocation, PortForwardLocation). */
  function locate(target: PodStreamTarget): { pod: KubeObject; container?: string } {
    const pod = getPod(api, target.namespace, target.name);
    const container = target.subresource === 'portforward' ? undefined : resolveContainer(pod, target.params.get('container'));
    requireNode(pod);
    return { pod, container };
  }

  /** The running container the kubelet would find, or undefined (its "container not found"). */
  function running(pod: KubeObject, container: string): ContainerInstance | undefined {
    const box = runtime.sandbox(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
    const c = box && box.uid === pod.metadata.uid ? box.current(container) : undefined;
    return c?.state === 'running' ? c : undefined;
  }

  /** The SPDY handshake (apimachinery httpstream.Handshake): the client's first protocol the server speaks. */
  function spdyProtocol(req: IncomingMessage, socket: Duplex, supported: string[]): string | undefined {
    const offered = streamProtocols(req);
    if (!offered.length) {
      plainText(socket, 400, 'unable to upgrade: X-Stream-Protocol-Version is required');
      return undefined;
    }
    const chosen = offered.find((p) => supported.includes(p));
    if (!chosen) {
      plainText(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`,
        { 'X-Accepted-Stream-Protocol-Versions': supported.join(', ') });
    }
    return chosen;
  }

  function upgradeCommand(req: IncomingMessage, socket: Duplex, head: Buffer, target: PodStreamTarget, pod: KubeObject, container: string): void {
    const kind = target.subresource as 'exec' | 'attach';
    const opts = commandOptions(target.params, kind);
    const c = running(pod, container);
    if (isSpdyRequest(req)) {
      // kubectl's fallback: the API server proxies SPDY straight to the kubelet, whose refusals come back as they are.
      if (!c) {
        plainText(socket, 500, `container not found (${JSON.stringify(container)})`);
        return;
      }
      const protocol = spdyProtocol(req, socket, SPDY_REMOTE_COMMAND_PROTOCOLS);
      if (!protocol) return;
      acceptSpdy(socket, protocol);
      track(socket);
      serveSpdyCommand(new SpdyConnection(socketTransport(socket, head)), protocol, kind, c, opts);
      return;
    }
    if (!isWebSocketRequest(req)) throw badRequest('Upgrade request required');
    const problem = handshakeProblem(req);
    if (problem) throw badRequest(problem);
    const offered = offeredProtocols(req);
    const protocol = negotiate(offered, REMOTE_COMMAND_PROTOCOLS);
    if (protocol === undefined) {
      plainText(socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${REMOTE_COMMAND_PROTOCOLS.join(' ')}]`);
      return;
    }
    // Without v5 the request goes through to the kubelet, whose refusal comes back as plain HTTP; with v5 the
    // API server's translator has already upgraded and reports the failed dial on the error channel.
    if (!c && protocol !== 'v5.channel.k8s.io') {
      plainText(socket, 500, `container not found (${JSON.stringify(container)})`);
      return;
    }
    const ws = acceptWebSocket(req, socket, head, protocol);
    track(socket);
    void serveWebSocketCommand(ws, kind, c ?? `unable to upgrade connection: container not found (${JSON.stringify(container)})`, opts);
  }

  function upgradePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, target: PodStreamTarget, pod: KubeObject): void {
    const box = runtime.sandbox(target.namespace, target.name);
    const sandbox: Sandbox | undefined = box && box.uid === pod.metadata.uid ? box : undefined;
    if (isSpdyRequest(req)) {
      if (!sandbox) return plainText(socket, 404, `pod does not exist`);
      if (!spdyProtocol(req, socket, ['portforward.k8s.io'])) return;
      acceptSpdy(socket, 'portforward.k8s.io');
      track(socket);
      servePortForwardSpdy(new SpdyConnection(socketTransport(socket, head)), sandbox);
      return;
    }
    if (!isWebSocketRequest(req)) throw badRequest('Upgrade request required');
    const problem = handshakeProblem(req);
    if (problem) throw badRequest(problem);
    const offered = offeredProtocols(req);
    if (offered.includes(TUNNEL_PROTOCOL)) {
      // kubectl 1.31+: the API server tunnels SPDY through the WebSocket to the kubelet's SPDY port-forward.
      if (!sandbox) return plainText(socket, 404, `pod does not exist`);
      const ws = acceptWebSocket(req, socket, head, TUNNEL_PROTOCOL);
      track(socket);
      servePortForwardSpdy(new SpdyConnection(webSocketTransport(ws)), sandbox);
      return;
    }
    const protocol = negotiate(offered, PORT_FORWARD_PROTOCOLS);
    if (protocol === undefined) {
      return plainText(socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${PORT_FORWARD_PROTOCOLS.join(' ')}]`);
    }
    const portValues = target.params.getAll('ports');
    if (!portValues.length) return plainText(socket, 400, 'query parameter "port" is required');
    const ports = parsePorts(portValues);
    if (typeof ports === 'string') return plainText(socket, 400, ports);
    if (!sandbox) return plainText(socket, 404, `pod does not exist`);
    const ws = acceptWebSocket(req, socket, head, protocol);
    track(socket);
    servePortForwardWebSocket(ws, sandbox, ports);
  }

  function track(socket: Duplex): void {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  }

  return {
    async serve(req: IncomingMessage, res: ServerResponse, target: PodStreamTarget) {
      if (target.subresource === 'log') return servePodLog(api, runtime, req, res, target.namespace, target.name, target.params);
      locate(target);
      throw badRequest('Upgrade request required');
    },
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PodStreamTarget) {
      socket.on('error', () => socket.destroy());
      try {
        const { pod, container } = locate(target);
        if (target.subresource === 'portforward') upgradePortForward(req, socket, head, target, pod);
        else upgradeCommand(req, socket, head, target, pod, container!);
      } catch (err) {
        const e: KubeError = asKubeError(err);
        refuseUpgrade(req, socket, e);
      }
    },
    close() {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}
