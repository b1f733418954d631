// client-node 1.x builds a new https.Agent for every request (KubeConfig.applySecurityAuthentication), so each
// API call pays a fresh TCP and TLS handshake. A syncer makes thousands of calls a second; this KubeConfig
// keeps one keep-alive agent per config instead. Credentials sent as headers (tokens, exec plugins) still
// refresh per request; TLS material (CA, client certificate) is taken once, at the first call.
import https from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

export class PooledKubeConfig extends KubeConfig {
  private pooled: https.Agent | undefined;

  constructor(private readonly maxSockets = 64) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    // Proxy agents and plain-HTTP agents are left as client-node made them.
    if (!(fresh instanceof https.Agent) || fresh.constructor !== https.Agent) return;
    this.pooled ??= new https.Agent({ ...fresh.options, keepAlive: true, maxSockets: this.maxSockets });
    context.setAgent(this.pooled);
  }

  /** Closes the pooled sockets so a process can exit promptly. */
  destroy(): void {
    this.pooled?.destroy();
    this.pooled = undefined;
  }
}

/** A kubeconfig from a file, or the in-cluster service account when no path is given. */
export function loadKubeConfig(path: string | undefined, maxSockets?: number): PooledKubeConfig {
  const kc = new PooledKubeConfig(maxSockets);
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}
