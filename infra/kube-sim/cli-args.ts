// Flags of `npm run sim`, parsed into ClusterOptions. Pure: a bad flag is a CliError whose message says
// what to type instead; the caller prints it and exits 2.
import { parseArgs } from 'node:util';
import type { ClusterOptions, FaultOptions } from './types.js';

export class CliError extends Error {}

export const USAGE = `usage: npm run sim -- --mode virtual|host --kubeconfig-out FILE [options]
  --port N                  listen port (default 0: a free port)
  --host ADDR               listen address (default 127.0.0.1)
  --name NAME               cluster name in the kubeconfig (default: the mode)
  --nodes N                 host mode: simulated nodes (default 3)
  --startup-delay-ms N      host mode: delay between pod start steps
  --watch-history N         events a watch can resume from before 410 Expired
  --data-dir DIR            keep the store and credentials in DIR, so a restart brings the cluster back
  --service-cidr CIDR       Service ClusterIP range (default 10.96.0.0/12 host, 10.43.0.0/16 virtual)
  --max-body-bytes N        largest request body (default 3145728)
  --audit-policy FILE       audit policy YAML (with --audit-webhook-kubeconfig)
  --audit-webhook-kubeconfig FILE
  --latency-ms N  --jitter-ms N  --error-rate R  --rate-limit-qps N  --rate-limit-burst N  --drop-watches-after-ms N`;

export interface CliOptions {
  cluster: ClusterOptions;
  kubeconfigOut: string;
}

const NUMBER_FLAGS = ['port', 'nodes', 'startup-delay-ms', 'watch-history', 'max-body-bytes', 'latency-ms', 'jitter-ms', 'error-rate', 'rate-limit-qps', 'rate-limit-burst', 'drop-watches-after-ms'] as const;

function numberFlag(values: Record<string, unknown>, flag: string): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || n < 0) throw new CliError(`--${flag} needs a non-negative number, got "${String(raw)}"`);
  if (flag !== 'error-rate' && !Number.isInteger(n)) throw new CliError(`--${flag} needs a whole number, got "${String(raw)}"`);
  if (flag === 'error-rate' && n > 1) throw new CliError(`--error-rate is a fraction between 0 and 1, got "${String(raw)}"`);
  if (flag === 'port' && n > 65535) throw new CliError(`--port must be at most 65535, got "${String(raw)}"`);
  return n;
}

export function parseCliArgs(argv: string[]): CliOptions {
  const stringOptions = Object.fromEntries(
    ['mode', 'kubeconfig-out', 'host', 'name', 'audit-policy', 'audit-webhook-kubeconfig', 'data-dir', 'service-cidr', ...NUMBER_FLAGS].map((f) => [f, { type: 'string' as const }]),
  );
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...stringOptions, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new CliError((err as Error).message.replace(/\. To specify a positional argument.*$/, ''));
  }
  if (values.help) throw new CliError(USAGE);
  const mode = values.mode;
  if (mode !== 'virtual' && mode !== 'host') throw new CliError(`--mode must be "virtual" or "host"${mode === undefined ? ' (it is required)' : `, got "${String(mode)}"`}`);
  const kubeconfigOut = values['kubeconfig-out'];
  if (typeof kubeconfigOut !== 'string' || kubeconfigOut === '') throw new CliError('--kubeconfig-out FILE is required: where to write the kubeconfig for kubectl and clients');

  const n = (flag: (typeof NUMBER_FLAGS)[number]) => numberFlag(values, flag);
  const cluster: ClusterOptions = { mode };
  if (typeof values.name === 'string') cluster.name = values.name;
  if (typeof values.host === 'string') cluster.host = values.host;
  if (typeof values['data-dir'] === 'string') cluster.dataDir = values['data-dir'];
  if (typeof values['service-cidr'] === 'string') cluster.serviceCidr = values['service-cidr'];
  if (n('port') !== undefined) cluster.port = n('port');
  if (n('nodes') !== undefined) cluster.nodes = n('nodes');
  if (n('startup-delay-ms') !== undefined) cluster.kubelet = { startupDelayMs: n('startup-delay-ms') };
  if (n('watch-history') !== undefined) cluster.watchHistory = n('watch-history');
  if (n('max-body-bytes') !== undefined) cluster.maxBodyBytes = n('max-body-bytes');
  const faults: FaultOptions = {};
  if (n('latency-ms') !== undefined) faults.latencyMs = n('latency-ms');
  if (n('jitter-ms') !== undefined) faults.jitterMs = n('jitter-ms');
  if (n('error-rate') !== undefined) faults.errorRate = n('error-rate');
  if (n('rate-limit-qps') !== undefined) faults.rateLimitQps = n('rate-limit-qps');
  if (n('rate-limit-burst') !== undefined) faults.rateLimitBurst = n('rate-limit-burst');
  if (n('drop-watches-after-ms') !== undefined) faults.dropWatchesAfterMs = n('drop-watches-after-ms');
  if (Object.keys(faults).length > 0) cluster.faults = faults;
  const policy = values['audit-policy'];
  const webhook = values['audit-webhook-kubeconfig'];
  if ((policy === undefined) !== (webhook === undefined)) throw new CliError('--audit-policy and --audit-webhook-kubeconfig go together: give both or neither');
  if (typeof policy === 'string' && typeof webhook === 'string') cluster.audit = { policy, webhookKubeconfig: webhook };
  return { cluster, kubeconfigOut };
}
