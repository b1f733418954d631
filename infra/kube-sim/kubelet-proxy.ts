// Virtual mode's PodStreams: what kube-apiserver does for pods/log, exec, attach and portforward. It finds
// the pod's node, dials that node's kubelet endpoint over HTTPS with its kubelet client certificate, asks
// for /containerLogs, /exec, /attach or /portForward, and passes the answer through: a log streams back as
// text/plain (an error becomes a Status, as GenericHttpResponseChecker makes it); an upgrade is spliced
// byte for byte after the kubelet's 101, WebSocket and SPDY alike. Not simulated: kube-apiserver's two
// translators (a v5 WebSocket exec and the WebSocket port-forward tunnel are turned into SPDY before the
// kubelet is dialled); here the kubelet gets the upgrade the client asked for, so it must speak it.
import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { badRequest, internalError, KubeError } from './errors.js';
import { kubeletHostPort, logPath, streamPath } from './kubelet-location.js';
import { nodes } from './resources.js';
import { refuseUpgrade } from './streaming/http-routes.js';
import { logOptions } from './streaming/log-options.js';
import type { PodStreams, PodStreamTarget } from './streaming/pod-streams.js';
import { getPod, requireNode, resolveContainer } from './streaming/pod-target.js';
import type { Api, KubeObject } from './types.js';
import { echoError, splice } from './upgrade-relay.js';

export interface KubeletClientOptions {
  /** --kubelet-client-certificate and --kubelet-client-key. */
  clientCertificate?: { certPem: string; keyPem: string };
  /** --kubelet-certificate-authority; without it the kubelet's certificate is not verified (kube-apiserver's default). */
  certificateAuthority?: string;
  /** --kubelet-preferred-address-types; default InternalIP, ExternalIP, Hostname. */
  preferredAddressTypes?: readonly string[];
}

type Location = { host: string; port: number; path: string };

/** Status for a kubelet's non-2xx log answer (apiserver pkg/registry/generic/rest/response_checker.go). */
function logError(code: number, body: string, podName: string): KubeError {
  if (code === 500) return new KubeError(500, 'InternalError', `Internal error occurred: ${body}`, { causes: [{ reason: '', message: body }] });
  if (code === 400) return badRequest(body);
  const reason: Record<number, [string, string]> = {
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', body],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  };
  const [r, message] = reason[code] ?? (code > 500 ? ['InternalError', `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding`] : ['', `the server responded with the status code ${code} but did not return more information`]);
  return new KubeError(code, r, `${message} ( pods/log ${podName})`, { name: podName, kind: 'pods/log' });
}

export function createKubeletProxy(api: Api, opts: KubeletClientOptions = {}): PodStreams & { close(): void } {
  const agent = new https.Agent({
    keepAlive: true,
    ...(opts.clientCertificate ? { cert: opts.clientCertificate.certPem, key: opts.clientCertificate.keyPem } : {}),
    ...(opts.certificateAuthority ? { ca: opts.certificateAuthority } : { rejectUnauthorized: false }),
  });

  function kubelet(pod: KubeObject, path: string): Location {
    const node = api.get(nodes, undefined, requireNode(pod));
    return { ...kubeletHostPort(node, opts.preferredAddressTypes), path };
  }

  function request(loc: Location, method: string, headers: OutgoingHttpHeaders): https.RequestOptions {
    return { agent, host: loc.host, port: loc.port, path: loc.path, method, headers: { ...headers, host: `${isIP(loc.host) === 6 ? `[${loc.host}]` : loc.host}:${loc.port}` }, servername: isIP(loc.host) ? undefined : loc.host };
  }

  /** The location of an exec, attach or portforward, after the API server's checks of pod and container. */
  function streamLocation(target: PodStreamTarget): Location {
    const pod = getPod(api, target.namespace, target.name);
    const sub = target.subresource as 'exec' | 'attach' | 'portforward';
    const container = sub === 'portforward' ? undefined : resolveContainer(pod, target.params.get('container'));
    return kubelet(pod, streamPath(pod, sub, container, target.params));
  }

  async function serveLog(res: ServerResponse, target: PodStreamTarget): Promise<number> {
    const pod = getPod(api, target.namespace, target.name);
    const options = logOptions(target.params, target.name);
    const container = resolveContainer(pod, options.container);
    const headers = { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' };
    // No node yet: LogLocation returns no location and the API server streams nothing.
    if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
      res.writeHead(200, headers).end();
      return 200;
    }
    const loc = kubelet(pod, logPath(pod, container, options));
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    let upstream: IncomingMessage;
    try {
      upstream = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = https.request({ ...request(loc, 'GET', {}), signal: abort.signal }, resolve);
        req.on('error', reject);
        req.end();
      });
    } catch (err) {
      throw internalError((err as Error).message);
    }
    const code = upstream.statusCode ?? 0;
    if (code < 200 || code > 206) {
      const chunks: Buffer[] = [];
      for await (const c of upstream) chunks.push(c as Buffer);
      throw logError(code, Buffer.concat(chunks).subarray(0, 50_000).toString(), target.name);
    }
    res.writeHead(200, headers);
    res.flushHeaders();
    await new Promise<void>((resolve) => {
      upstream.pipe(res);
      res.once('close', resolve);
      upstream.once('error', () => res.destroy());
    });
    return 200;
  }

  return {
    async serve(_req, res, target) {
      if (target.subresource === 'log') return serveLog(res, target);
      streamLocation(target);
      throw badRequest('Upgrade request required');
    },

    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PodStreamTarget) {
      socket.on('error', () => socket.destroy());
      let loc: Location;
      try {
        loc = streamLocation(target);
      } catch (err) {
        refuseUpgrade(req, socket, err instanceof KubeError ? err : internalError((err as Error).message));
        return;
      }
      // The request as the client sent it, minus its credentials (the authentication filter drops them).
      const headers: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headersDistinct)) {
        if (k !== 'authorization' && k !== 'host' && v) headers[k] = v.length === 1 ? v[0] : v;
      }
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      const upstream = https.request(request(loc, req.method ?? 'GET', headers));
      upstream.on('upgrade', (res, backend, backendHead) => void splice(socket, head, res, backend, backendHead));
      upstream.on('response', (res) => {
        if ((res.statusCode ?? 0) >= 400) return void echoError(socket, res);
        res.resume();
        refuseUpgrade(req, socket, internalError(`invalid upgrade response: status code ${res.statusCode}`));
      });
      upstream.on('error', (err) => refuseUpgrade(req, socket, internalError(`error dialing backend: ${err.message}`)));
      upstream.end();
    },

    close: () => agent.destroy(),
  };
}
