// `podferry start` (npm start): the whole system on one machine, then the commands to try next.
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from './local-stack.js';

const USAGE = `usage: npm start -- [--state-dir DIR] [--ephemeral-ports] [--fresh]
  --state-dir DIR      where kubeconfigs, endpoints.json, both clusters' state and Redis data go (default .podferry)
  --ephemeral-ports    pick free ports instead of the defaults (16443, 16444, 18443, 18080, 18250)
  --fresh              start empty: forget the clusters, credentials and Redis data an earlier run left there
Environment: REDIS_URL to use an existing Redis instead of starting redis-server; LOG_LEVEL.`;

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { 'state-dir': { type: 'string' }, 'ephemeral-ports': { type: 'boolean' }, fresh: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    process.stderr.write(`podferry start: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const stateDir = values['state-dir'] ?? '.podferry';
  const started = Date.now();
  let stack;
  try {
    stack = await startLocalStack({ stateDir, ephemeralPorts: values['ephemeral-ports'] ?? false, redisUrl: process.env.REDIS_URL || undefined, fresh: values.fresh ?? false });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ' (a port is taken: is another podferry running? try --ephemeral-ports)' : '';
    process.stderr.write(`podferry start failed: ${e.message}${hint}\n`);
    process.exit(1);
  }
  const { endpoints } = stack;
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  const vk = rel(endpoints.virtual.kubeconfig);
  const hk = rel(endpoints.host.kubeconfig);
  process.stdout.write(
    [
      `podferry is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  virtual cluster  ${endpoints.virtual.url}   kubeconfig ${vk}`,
      `  host cluster     ${endpoints.host.url}   kubeconfig ${hk}  (pods land in namespace ${endpoints.hostNamespace})`,
      `  webhook          ${endpoints.webhook.url}`,
      `  node proxy       ${endpoints.nodeProxy.url}   (the virtual nodes' kubelet API: logs, exec, attach, port-forward)`,
      `  dashboard        ${endpoints.dashboard.url}   user ${endpoints.dashboard.user}  password ${endpoints.dashboard.password}  (new each start)`,
      `  redis            ${endpoints.redis.url}${endpoints.redis.ownProcess ? ` (own redis-server, data in ${rel(join(stateDir, 'redis'))})` : ''}`,
      `  endpoints        ${rel(join(stateDir, 'endpoints.json'))}`,
      '',
      'Try it:',
      `  kubectl --kubeconfig ${vk} run web --image=nginx`,
      `  kubectl --kubeconfig ${vk} get pods -w            # Pending, then Running and 1/1 Ready`,
      `  kubectl --kubeconfig ${hk} -n ${endpoints.hostNamespace} get pods -o wide   # the host pod web-x-default-x-${endpoints.cluster}`,
      `  kubectl --kubeconfig ${vk} logs web               # the container's log, through the node proxy`,
      `  kubectl --kubeconfig ${vk} exec web -- env        # a command in the container (exec -it web -- sh for a shell)`,
      `  kubectl --kubeconfig ${vk} delete pod web`,
      '',
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`\n${signal}: stopping podferry...\n`);
    setTimeout(() => process.exit(1), 20_000).unref();
    stack.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
