// The node proxy's streaming calls to the host API: pods/log as a plain streamed GET, and pods/exec|attach|
// portforward as an HTTP upgrade whose socket is handed back raw, so WebSocket and SPDY alike pass through
// byte for byte. Credentials come from the host kubeconfig (client certificate, token, exec plugin or the
// in-cluster service account) through client-node, re-applied on every request so rotated tokens are used;
// the caller's own credentials never travel on. The only place that opens streaming host connections.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';

export type UpgradeOutcome =
  | { upgraded: true; response: IncomingMessage; socket: Duplex; head: Buffer }
  | { upgraded: false; response: IncomingMessage };

export interface HostStreams {
  /** A GET on the host API, resolved with the response head; the body streams as it arrives. */
  get(path: string, signal?: AbortSignal): Promise<IncomingMessage>;
  /** An upgrade request with the given method and headers (Connection, Upgrade, Sec-WebSocket-*, X-Stream-Protocol-Version...). */
  upgrade(method: string, path: string, headers: OutgoingHttpHeaders): Promise<UpgradeOutcome>;
  close(): void;
}

export function createHostStreams(kubeconfigPath: string | undefined): HostStreams {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the host kubeconfig has no current cluster');
  const server = new URL(cluster.server);
  const basePath = server.pathname.replace(/\/$/, '');
  let pooled: https.Agent | undefined;

  async function options(method: string, path: string, headers: OutgoingHttpHeaders, signal?: AbortSignal): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    // One keep-alive agent (the TLS material is fixed); an upgraded socket leaves the pool by itself.
    const fresh = opts.agent;
    if (fresh instanceof https.Agent && fresh.constructor === https.Agent) {
      pooled ??= new https.Agent({ ...fresh.options, keepAlive: true });
      opts.agent = pooled;
    }
    return {
      ...opts,
      hostname: server.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: server.port || 443,
      method,
      path: `${basePath}${path}`,
      headers: { ...headers, ...opts.headers },
      ...(signal ? { signal } : {}),
    };
  }

  return {
    async get(path, signal) {
      const opts = await options('GET', path, { accept: '*/*' }, signal);
      return new Promise((resolve, reject) => {
        const req = https.request(opts, resolve);
        req.on('error', reject);
        req.end();
      });
    },
    async upgrade(method, path, headers) {
      const opts = await options(method, path, headers);
      return new Promise((resolve, reject) => {
        const req = https.request(opts);
        req.on('upgrade', (response, socket, head) => resolve({ upgraded: true, response, socket, head }));
        req.on('response', (response) => resolve({ upgraded: false, response }));
        req.on('error', reject);
        req.end();
      });
    },
    close() {
      pooled?.destroy();
      pooled = undefined;
    },
  };
}
