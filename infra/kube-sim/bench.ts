// Benchmark (not a test): pod creates/s and gets/s through @kubernetes/client-node over HTTPS against a
// simulator in a child process, then the server's RSS while it holds 10,000 pods.
//   npx tsx infra/kube-sim/bench.ts [--pods N] [--concurrency C] [--json]
// client-node 1.x makes a new https.Agent (so a new TLS connection) per call; the main figures use one
// keep-alive agent as a production client would, and a short run shows the per-connection cost too.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, type RequestContext, type V1Pod } from '@kubernetes/client-node';

class KeepAliveKubeConfig extends KubeConfig {
  private agent: https.Agent | undefined;
  rawAgent: https.Agent | undefined;
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getAgent() as https.Agent;
    this.agent ??= new https.Agent({ ...fresh.options, keepAlive: true, maxSockets: 256 });
    context.setAgent(this.agent);
  }
}

const { values } = parseArgs({ options: { pods: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '64' }, json: { type: 'boolean', default: false } } });
const TOTAL = Number(values.pods);
const CONCURRENCY = Number(values.concurrency);
const ROOT = new URL('../../', import.meta.url).pathname;
if (!Number.isInteger(TOTAL) || TOTAL < 1000 || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) {
  process.stderr.write('bench: --pods needs a whole number of at least 1000 and --concurrency one of at least 1\n');
  process.exit(2);
}

function startServer(kubeconfigPath: string): Promise<ChildProcess> {
  // node --import tsx, not the tsx binary: the child's pid must be the server itself for its RSS.
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/kube-sim/cli.ts'), '--mode', 'virtual', '--kubeconfig-out', kubeconfigPath, '--port', '0'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('kubeconfig:')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}`)));
  });
}

/** CPU time (ms) the server process has used: with client and server on one small machine, the rate is
 * often the client's limit, while the server's CPU per request says what the server itself can do. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function pool(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await fn(next++);
  }));
  return count / ((performance.now() - start) / 1000);
}

/** The same call without client-node's serializers: how much of the figure is the server. */
async function rawRequest(kc: KeepAliveKubeConfig, method: string, path: string, body: string): Promise<void> {
  const cluster = kc.getCurrentCluster()!;
  const url = new URL(path, cluster.server);
  const opts: https.RequestOptions = { method, hostname: url.hostname, port: url.port, path: url.pathname, headers: { 'Content-Type': 'application/json' } };
  opts.agent = kc.rawAgent ??= await (async () => {
    const o: https.AgentOptions = {};
    await kc.applyToHTTPSOptions(o);
    return new https.Agent({ ...o, keepAlive: true, maxSockets: 256 });
  })();
  await new Promise<void>((resolve, reject) => {
    const req = https.request(opts, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pod = (name: string): V1Pod => ({
  metadata: { name, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-bench-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const child = await startServer(kubeconfigPath);
  try {
    const kc = new KeepAliveKubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const plain = new KubeConfig();
    plain.loadFromFile(kubeconfigPath);
    const plainCore = plain.makeApiClient(CoreV1Api);
    const rssIdle = rssMb(child.pid!);

    await pool(200, CONCURRENCY, (i) => core.createNamespacedPod({ namespace: 'default', body: pod(`warm-${i}`) })); // JIT warm-up
    const RAW = Math.min(2000, Math.floor(TOTAL / 5));
    const perRequestUs = async (count: number, run: () => Promise<number>): Promise<[number, number]> => {
      const before = cpuMs(child.pid!);
      const rate = await run();
      return [rate, Math.round(((cpuMs(child.pid!) - before) / count) * 1000)];
    };
    const creates = TOTAL - 200 - RAW;
    const [createsPerSec, createCpuUs] = await perRequestUs(creates, () => pool(creates, CONCURRENCY, (i) => core.createNamespacedPod({ namespace: 'default', body: pod(`bench-${i}`) })));
    const [getsPerSec, getCpuUs] = await perRequestUs(TOTAL, () => pool(TOTAL, CONCURRENCY, (i) => core.readNamespacedPod({ namespace: 'default', name: `bench-${i % creates}` })));
    const rawCreatesPerSec = await pool(RAW, CONCURRENCY, (i) => rawRequest(kc, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod(`raw-${i}`))));
    const newConnectionGetsPerSec = await pool(500, 16, (i) => plainCore.readNamespacedPod({ namespace: 'default', name: `bench-${i}` }));
    const listStart = performance.now();
    const listed = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=bench' });
    const listMs = Math.round(performance.now() - listStart);
    if (global.gc) global.gc();
    await new Promise((r) => setTimeout(r, 500));
    const result = {
      pods: listed.items.length,
      concurrency: CONCURRENCY,
      createsPerSec: Math.round(createsPerSec),
      getsPerSec: Math.round(getsPerSec),
      rawHttpsCreatesPerSec: Math.round(rawCreatesPerSec),
      serverCpuPerCreateUs: createCpuUs,
      serverCpuPerGetUs: getCpuUs,
      newConnectionGetsPerSec: Math.round(newConnectionGetsPerSec),
      listAllMs: listMs,
      serverRssIdleMb: rssIdle,
      serverRssWithPodsMb: rssMb(child.pid!),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(`pods held by the server:         ${result.pods}\n`);
      process.stdout.write(`pod creates/s (keep-alive, c=${CONCURRENCY}): ${result.createsPerSec}\n`);
      process.stdout.write(`pod gets/s (keep-alive, c=${CONCURRENCY}):    ${result.getsPerSec}\n`);
      process.stdout.write(`server CPU per create / get:     ${result.serverCpuPerCreateUs} us / ${result.serverCpuPerGetUs} us (one core: ~${Math.round(1e6 / result.serverCpuPerCreateUs)} creates/s)\n`);
      process.stdout.write(`pod creates/s (bare node:https, same agent, c=${CONCURRENCY}): ${result.rawHttpsCreatesPerSec}\n`);
      process.stdout.write(`pod gets/s (client-node default, new TLS connection per call, c=16): ${result.newConnectionGetsPerSec}\n`);
      process.stdout.write(`list of all pods:                ${result.listAllMs} ms\n`);
      process.stdout.write(`server RSS idle / with pods:     ${result.serverRssIdleMb} MB / ${result.serverRssWithPodsMb} MB\n`);
    }
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
