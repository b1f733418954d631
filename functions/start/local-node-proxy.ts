// `npm start`'s node proxy: one CA made for this start signs the node proxy's serving certificate and the
// kubelet client certificate the virtual API server presents to it (as --kubelet-client-certificate and
// --kubelet-certificate-authority would be given), then the proxy listens on loopback. The files land in
// the state dir too, so `podferry node-proxy` can be run by hand with the same identity.
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createCertificateAuthority, type CertPair } from '../../infra/kube-sim/tls.js';
import { createHostStreams } from '../_shared/kube/host-stream.js';
import { createKubeSide } from '../_shared/kube/kube-side.js';
import { buildNodeProxy, type NodeProxy } from '../node-proxy/app.js';

/** Where the node proxy is and who it trusts, whether it runs in this process or as `podferry node-proxy`. */
export interface LocalNodeProxyInfo {
  url: string;
  port: number;
  /** What the virtual simulator is started with to reach it. */
  kubeletClient: { clientCertificate: CertPair; certificateAuthority: string };
  /** A client certificate the node proxy accepts (the virtual API server's), for tests and curl. */
  files: { caCert: string; clientCert: string; clientKey: string };
  /** The environment a `podferry node-proxy` process needs to serve as this node proxy. */
  env: Record<string, string>;
}

export interface LocalNodeProxy extends NodeProxy, LocalNodeProxyInfo {}

interface NodeProxyOptions { stateDir: string; port: number; cluster: string; hostNamespace: string; hostKubeconfig: string }

/** The CA, the certificates and their files, without a server: `podferry node-proxy` serves with them. */
export async function createLocalNodeProxyIdentity(opts: NodeProxyOptions): Promise<LocalNodeProxyInfo & { serving: CertPair; caPem: string }> {
  const ca = await createCertificateAuthority('podferry-node-proxy-ca');
  const [serving, client] = await Promise.all([ca.issueServerCert(), ca.issueClientCert('kube-apiserver-kubelet-client', [])]);
  const files = {
    caCert: join(opts.stateDir, 'node-proxy-ca.crt'),
    serverCert: join(opts.stateDir, 'node-proxy.crt'),
    serverKey: join(opts.stateDir, 'node-proxy.key'),
    clientCert: join(opts.stateDir, 'kubelet-client.crt'),
    clientKey: join(opts.stateDir, 'kubelet-client.key'),
  };
  await writeFile(files.caCert, ca.certPem);
  await writeFile(files.serverCert, serving.certPem);
  await writeFile(files.serverKey, serving.keyPem, { mode: 0o600 });
  await writeFile(files.clientCert, client.certPem);
  await writeFile(files.clientKey, client.keyPem, { mode: 0o600 });
  const env = {
    PODFERRY_CLUSTER: opts.cluster, HOST_KUBECONFIG: opts.hostKubeconfig, HOST_NAMESPACE: opts.hostNamespace,
    NODE_PROXY_HOST: '127.0.0.1', NODE_PROXY_PORT: String(opts.port),
    NODE_PROXY_TLS_CERT_FILE: files.serverCert, NODE_PROXY_TLS_KEY_FILE: files.serverKey, NODE_PROXY_CLIENT_CA_FILE: files.caCert,
  };
  return {
    url: `https://127.0.0.1:${opts.port}`,
    port: opts.port,
    kubeletClient: { clientCertificate: client, certificateAuthority: ca.certPem },
    files: { caCert: files.caCert, clientCert: files.clientCert, clientKey: files.clientKey },
    env,
    serving,
    caPem: ca.certPem,
  };
}

export async function startLocalNodeProxy(opts: NodeProxyOptions & { log: Logger }): Promise<LocalNodeProxy> {
  const { serving, caPem, ...identity } = await createLocalNodeProxyIdentity(opts);
  const proxy = buildNodeProxy({
    vcluster: opts.cluster,
    hostNamespace: opts.hostNamespace,
    tls: { key: serving.keyPem, cert: serving.certPem, clientCa: caPem },
    host: createKubeSide({ name: 'host', kubeconfigPath: opts.hostKubeconfig }),
    streams: createHostStreams(opts.hostKubeconfig),
    log: opts.log,
  });
  await new Promise<void>((resolve, reject) => {
    proxy.server.once('error', reject);
    proxy.server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (proxy.server.address() as AddressInfo).port;
  return { ...proxy, ...identity, url: `https://127.0.0.1:${port}`, port, env: { ...identity.env, NODE_PROXY_PORT: String(port) } };
}
