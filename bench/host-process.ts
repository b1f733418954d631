// The host simulator in a process of its own (`npm run sim -- --mode host`), so the host API's limit is
// its own core, as with a real host cluster, rather than a thread shared with the virtual API server, the
// webhook and the harness. Used by --host-process for the baseline and the podferry run alike.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { StartClusterOptions, StartedCluster } from '../infra/kube-sim/server.js';
import type { Api, FaultOptions } from '../infra/kube-sim/types.js';
import { cpuMsOf } from './worker-processes.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface HostProcess extends StartedCluster {
  pid: number;
}

function faultFlags(f: FaultOptions): string[] {
  const flags: string[] = [];
  if (f.latencyMs) flags.push('--latency-ms', String(f.latencyMs));
  if (f.rateLimitQps) flags.push('--rate-limit-qps', String(f.rateLimitQps), '--rate-limit-burst', String(f.rateLimitBurst ?? f.rateLimitQps));
  return flags;
}

/** Starts `npm run sim -- --mode host` as node itself (its pid is the server's, for CPU) with faults from the start. */
export async function startHostProcess(opts: StartClusterOptions, faults: FaultOptions): Promise<HostProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'podferry-bench-host-'));
  const kubeconfigPath = join(dir, 'host.kubeconfig');
  const args = ['--import', 'tsx', join(ROOT, 'infra/kube-sim/cli.ts'), '--mode', 'host', '--name', opts.name ?? 'host', '--kubeconfig-out', kubeconfigPath,
    '--port', String(opts.port ?? 0), '--nodes', String(opts.nodes ?? 3), '--startup-delay-ms', String(opts.kubelet?.startupDelayMs ?? 100), ...faultFlags(faults)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d.toString();
      if (out.includes('kubeconfig:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`host simulator exited ${code}: ${stderr}`)));
  });
  const kubeconfig = await readFile(kubeconfigPath, 'utf8');
  const cluster = (parseYaml(kubeconfig) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> }).clusters[0].cluster;
  const url = cluster.server;
  const unsupported = (what: string) => () => {
    throw new Error(`${what} is not available on a host simulator in its own process (faults are given at start)`);
  };
  return {
    pid: child.pid!,
    name: opts.name ?? 'host',
    mode: 'host',
    url,
    port: Number(new URL(url).port),
    kubeconfig,
    token: '',
    caPem: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
    api: new Proxy({}, { get: unsupported('the in-process api') }) as Api,
    setFaults: unsupported('setFaults'),
    metricsText: unsupported('metricsText (read /metrics over HTTP)'),
    writeKubeconfig: (path) => writeFile(path, kubeconfig),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function hostCpuMs(host: StartedCluster): number | undefined {
  const pid = (host as Partial<HostProcess>).pid;
  return pid === undefined ? undefined : cpuMsOf(pid);
}
