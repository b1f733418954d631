// The seam between the HTTP front and whatever serves a pod's streaming subresources: in host mode the
// simulated container runtime (host-streams.ts); in virtual mode, as kube-apiserver does, a proxy to the
// kubelet endpoint of the pod's node. http.ts authenticates and routes; an implementation does the rest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UserInfo } from '../types.js';

export type StreamSubresource = 'log' | 'exec' | 'attach' | 'portforward';

export const STREAM_SUBRESOURCES: ReadonlySet<string> = new Set<StreamSubresource>(['log', 'exec', 'attach', 'portforward']);

export interface PodStreamTarget {
  namespace: string;
  name: string;
  subresource: StreamSubresource;
  params: URLSearchParams;
  user: UserInfo;
}

export interface PodStreams {
  /** A plain request: pods/log; exec, attach and portforward answer 400 "Upgrade request required". Resolves with the HTTP code. */
  serve(req: IncomingMessage, res: ServerResponse, target: PodStreamTarget): Promise<number>;
  /** An upgrade (WebSocket or SPDY) on exec, attach or portforward; the socket is the handler's from here on. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PodStreamTarget): void;
}
