// `npm run sim`: one simulated cluster in the foreground. Prints where it is, writes the kubeconfig, and
// closes cleanly on SIGINT/SIGTERM. Bad flags: a one-line message and exit code 2, no stack trace.
import { resolve } from 'node:path';
import { CliError, parseCliArgs } from './cli-args.js';
import { startCluster } from './server.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`kube-sim: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const cluster = await startCluster(parsed.cluster);
  const kubeconfigPath = resolve(parsed.kubeconfigOut);
  await cluster.writeKubeconfig(kubeconfigPath);
  process.stdout.write(`kube-sim ${cluster.mode} cluster "${cluster.name}" listening on ${cluster.url}\nkubeconfig: ${kubeconfigPath}\ntry: kubectl --kubeconfig ${kubeconfigPath} get ns\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`kube-sim: ${signal} received, closing\n`);
    cluster.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`kube-sim: close failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`kube-sim: ${(err as Error).message}\n`);
  process.exit(1);
});
