// Host mode's PodStreams: the simulator is its own kubelet here, so the API server's checks and the kubelet's
// work happen in one place, over the simulated container runtime.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRequest } from '../errors.js';
import type { SimRuntime } from '../container-runtime/runtime.js';
import type { Api } from '../types.js';
import { refuseUpgrade } from './http-routes.js';
import { servePodLog } from './pod-log.js';
import type { PodStreams, PodStreamTarget } from './pod-streams.js';
import { getPod, requireNode, resolveContainer } from './pod-target.js';

export function createHostStreams(api: Api, runtime: SimRuntime): PodStreams {
  /** The checks kube-apiserver makes before it dials a kubelet (ExecLocation, AttachLocation, PortForwardLocation). */
  function locate(target: PodStreamTarget) {
    const pod = getPod(api, target.namespace, target.name);
    const container = target.subresource === 'portforward' ? undefined : resolveContainer(pod, target.params.get('container'));
    requireNode(pod);
    return { pod, container };
  }

  return {
    async serve(req: IncomingMessage, res: ServerResponse, target: PodStreamTarget) {
      if (target.subresource === 'log') return servePodLog(api, runtime, req, res, target.namespace, target.name, target.params);
      locate(target);
      throw badRequest('Upgrade request required');
    },
    upgrade(req: IncomingMessage, socket: Duplex, _head: Buffer, target: PodStreamTarget) {
      try {
        locate(target);
        throw badRequest('Upgrade request required');
      } catch (err) {
        refuseUpgrade(req, socket, err as never);
      }
    },
  };
}
