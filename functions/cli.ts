// One entry for every function: `podferry start | webhook | worker | host-watch | node-proxy | dashboard | sim`. The command picks the function,
// so one container image serves them all.
const USAGE = `usage: podferry <command>
  start     the whole system on one machine (simulators, Redis, webhook, workers)
  webhook   the admission and audit webhook (configured by environment)
  worker    the sync, status and resync workers (configured by environment)
  host-watch the one leader-elected watch of the host namespace, feeding the queue (configured by environment)
  node-proxy the kubelet API of the virtual nodes: logs, exec, attach, port-forward (configured by environment)
  dashboard the BullMQ dashboard at /queues (REDIS_URL, DASHBOARD_USER, DASHBOARD_PASSWORD, DASHBOARD_PORT, DASHBOARD_READ_ONLY)
  sim       one Kubernetes API simulator (see npm run sim -- --help)`;

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return (await import('./start/main.js')).main(rest);
    case 'webhook':
      return (await import('./webhook/main.js')).main();
    case 'worker':
      return (await import('./worker/main.js')).main();
    case 'host-watch':
      return (await import('./host-watch/main.js')).main();
    case 'node-proxy':
      return (await import('./node-proxy/main.js')).main();
    case 'dashboard':
      return (await import('./dashboard/main.js')).main();
    case 'sim':
      process.argv = [process.argv[0], process.argv[1], ...rest];
      await import('../infra/kube-sim/cli.js');
      return;
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`podferry: unknown command "${command}"\n${USAGE}\n`);
      process.exit(2);
  }
}

run(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`podferry: ${(err as Error).message}\n`);
  process.exit(1);
});
