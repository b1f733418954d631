// Runs a command in a virtual pod's container the way client-node's Exec does it (through the virtual API
// server, the node proxy and the host), and returns its stdout; throws on a failed exec.
import { PassThrough } from 'node:stream';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';

export async function execIn(kubeconfig: string, namespace: string, pod: string, command: string[], container = 'app'): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kc).exec(namespace, pod, container, command, stdout, null, null, false, resolve).catch(reject);
  });
  if (status.status !== 'Success') throw new Error(`exec failed: ${JSON.stringify(status)}`);
  await new Promise((r) => setTimeout(r, 100)); // the last output frames
  return out;
}
