// How the HTTP front hands a pod's streaming subresources to PodStreams: method checks, the verbs audit and
// metrics record (get/create; CONNECT for the upgrade subresources, as apiserver_request_total counts them),
// and, for upgrade requests, a plain HTTP answer written on the raw socket when the request is refused.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { methodNotAllowed, type KubeError } from '../errors.js';
import { sendError } from '../respond.js';
import type { ResourcePath } from '../router.js';
import type { UserInfo } from '../types.js';
import { STREAM_SUBRESOURCES, type PodStreamTarget, type StreamSubresource } from './pod-streams.js';

/** The streaming target a resource path addresses, or undefined when it is some other request. */
export function streamTarget(path: ResourcePath, params: URLSearchParams, user: UserInfo): PodStreamTarget | undefined {
  if (path.group !== '' || path.plural !== 'pods' || !path.namespace || !path.name || !path.subresource) return undefined;
  if (!STREAM_SUBRESOURCES.has(path.subresource)) return undefined;
  return { namespace: path.namespace, name: path.name, subresource: path.subresource as StreamSubresource, params, user };
}

/** The audit verb and the metrics verb of a streaming request; throws 405 for a method the subresource lacks. */
export function streamVerbs(method: string, subresource: StreamSubresource): [verb: string, metricsVerb: string] {
  if (subresource === 'log') {
    if (method !== 'GET') throw methodNotAllowed(method);
    return ['get', 'GET'];
  }
  if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(method);
  return [method === 'GET' ? 'get' : 'create', 'CONNECT'];
}

/** A ServerResponse on an upgrade request's socket, for answering it as ordinary HTTP (then closing). */
export function responseOnSocket(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  return res;
}

export function refuseUpgrade(req: IncomingMessage, socket: Duplex, err: KubeError): void {
  sendError(responseOnSocket(req, socket), err);
}
