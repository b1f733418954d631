// A keep-alive HTTPS agent that presents a simulated cluster's admin client certificate, for tests that
// speak raw HTTP to the simulator (no client library between the test and the wire).
import https from 'node:https';
import { parse } from 'yaml';
import type { StartedCluster } from '../../infra/kube-sim/server.js';

export function adminAgent(cluster: StartedCluster): https.Agent {
  const user = parse(cluster.kubeconfig).users[0].user;
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return new https.Agent({ ca: cluster.caPem, cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']), keepAlive: true });
}
