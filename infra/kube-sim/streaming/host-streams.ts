// Host mode's PodStreams: the simulator is its own kubelet here, so the API server's checks and the kubelet's
// work happen in one place, over the simulated container runtime. Upgrades are WebSocket (every
// *channel.k8s.io protocol, and SPDY tunnelled over WebSocket for port-forward) or SPDY/3.1.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRequest, type KubeError } from '../errors.js';
import type { ContainerInstance } from '../container-runtime/instance.js';
import type { SimRuntime } from '../container-runtime/runtime.js';
import { asKubeError } from '../respond.js';
import type { Api, KubeObject } from '../types.js';
import { negotiate, REMOTE_COMMAND_PROTOCOLS } from './channel-protocol.js';
import { refuseUpgrade } from './http-routes.js';
import { servePodLog } from './pod-log.js';
import type { PodStreams, PodStreamTarget } from './pod-streams.js';
import { getPod, requireNode, resolveContainer } from './pod-target.js';
import { commandOptions } from './remote-command.js';
import { acceptWebSocket, handshakeProblem, isWebSocketRequest, offeredProtocols } from './websocket.js';
import { serveWebSocketCommand } from './ws-remote-command.js';

/** A plain-text HTTP answer on the raw socket, as the kubelet's refusals reach the client through the proxy. */
function plainText(socket: Duplex, code: number, text: string, headers: Record<string, string> = {}): void {
  const reason = code === 500 ? 'Internal Server Error' : code === 403 ? 'Forbidden' : 'Bad Request';
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

  function upgradeCommand(req: IncomingMessage, socket: Duplex, head: Buffer, target: PodStreamTarget, pod: KubeObject, container: string): void {
    const kind = target.subresource as 'exec' | 'attach';
    const opts = commandOptions(target.params, kind);
    const c = running(pod, container);
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
        if (target.subresource === 'portforward') throw badRequest('Upgrade request required');
        upgradeCommand(req, socket, head, target, pod, container!);
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
