// A simulator's /metrics over HTTPS with the admin credentials of its kubeconfig, so the same code reads a
// simulator in this process and one in its own process.
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export async function fetchApiMetrics(kubeconfig: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const url = new URL('/metrics', kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = { method: 'GET', hostname: url.hostname, port: url.port, path: url.pathname, agent: false };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: ${res.statusCode} ${body.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
