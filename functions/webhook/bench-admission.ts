// Measures the admission handler in-process: 10,000 inject() calls against a real Redis (REDIS_URL, or a
// redis-server this script starts on a free port), reporting p50/p99/max of the whole inject round trip
// (parse, schema, auth, policy, fired enqueue, serialise) and of the route handler alone.
// Run: npx tsx functions/webhook/bench-admission.ts [--json] [--n 10000]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../_shared/config.js';
import { createSyncProducer } from '../_shared/queue/producer.js';
import { buildApp } from './app.js';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--n') + 1]) || 10_000;
const WARMUP = 1000;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function redisUrl(): Promise<{ url: string; stop: () => void }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function main() {
  const redis = await redisUrl();
  const dir = mkdtempSync(join(tmpdir(), 'podferry-bench-'));
  writeFileSync(join(dir, 'kubeconfig'), 'kind: Config\n');
  const token = 'bench-token-0123456789abcdef';
  const config = loadConfig({
    REDIS_URL: redis.url, PODFERRY_CLUSTER: 'bench', VIRTUAL_KUBECONFIG: join(dir, 'kubeconfig'), HOST_NAMESPACE: 'bench-host',
    WEBHOOK_TOKENS: token, QUEUE_PREFIX: `bench-${process.pid}`, LOG_LEVEL: 'info',
  });
  const producer = createSyncProducer({ redisUrl: redis.url, prefix: config.queuePrefix });
  while (!(await producer.ping())) await new Promise((r) => setTimeout(r, 20));
  // Logs go nowhere but are still formatted, as in production at info level.
  const app = buildApp({ config, producer, clock: Date.now, logStream: { write: () => {} } });
  const handlerMs: number[] = [];
  app.addHook('preHandler', async (req) => { (req as unknown as { t0: number }).t0 = performance.now(); });
  app.addHook('onSend', async (req) => { handlerMs.push(performance.now() - (req as unknown as { t0: number }).t0); });
  await app.ready();

  const review = (i: number) => JSON.stringify({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: `req-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      name: `pod-${i % 500}`, namespace: 'default', operation: 'CREATE', userInfo: { username: 'alice', groups: [], extra: {} }, dryRun: process.env.BENCH_DRY_RUN === '1',
      object: {
        kind: 'Pod', apiVersion: 'v1', metadata: { name: `pod-${i % 500}`, namespace: 'default', uid: `uid-${i}`, labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '100m' } } }], restartPolicy: 'Always' },
      },
    },
  });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const totalMs: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const payload = review(i);
    const t0 = performance.now();
    const res = await app.inject({ method: 'POST', url: '/admission', headers, payload });
    const dt = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}: ${res.body}`);
    if (i >= WARMUP) totalMs.push(dt);
  }
  const handler = handlerMs.slice(WARMUP).sort((a, b) => a - b);
  totalMs.sort((a, b) => a - b);
  await app.close();
  await producer.close();
  redis.stop();
  const fmt = (xs: number[]) => ({ p50: +quantile(xs, 0.5).toFixed(3), p99: +quantile(xs, 0.99).toFixed(3), max: +xs[xs.length - 1].toFixed(3) });
  const result = { requests: N, inject_ms: fmt(totalMs), handler_ms: fmt(handler), node: process.version };
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`admission, ${N} inject() calls after ${WARMUP} warm-up, Redis up\n`);
    process.stdout.write(`  inject round trip: p50 ${result.inject_ms.p50} ms  p99 ${result.inject_ms.p99} ms  max ${result.inject_ms.max} ms\n`);
    process.stdout.write(`  route handler:     p50 ${result.handler_ms.p50} ms  p99 ${result.handler_ms.p99} ms  max ${result.handler_ms.max} ms\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
