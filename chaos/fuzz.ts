// Fuzzing the webhook over real HTTP: generated invalid bodies against /admission and /audit on a real
// Fastify app with a real producer on a real Redis. The webhook must not crash, must answer each with a
// 4xx whose body is a metav1.Status, must enqueue nothing, and must not grow its heap with the count.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Queue } from 'bullmq';
import fc from 'fast-check';
import { createRedisConnection } from '../functions/_shared/queue/connection.js';
import { QUEUE_NAMES } from '../functions/_shared/queue/names.js';
import { createSyncProducer } from '../functions/_shared/queue/producer.js';
import { buildApp } from '../functions/webhook/app.js';
import { ADMISSION_BODY_LIMIT } from '../functions/webhook/routes/admission.js';
import { AUDIT_BODY_LIMIT } from '../functions/webhook/routes/audit.js';
import { startRedis, uniquePrefix } from '../test/helpers/redis.js';
import { testConfig, TOKEN } from '../test/helpers/webhook-harness.js';
import { fuzzRequest, oversized, type FuzzRequest } from './fuzz-bodies.js';

export interface FuzzOptions {
  bodies: number;
  seed?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

export interface FuzzFailure { category: string; route: string; status: number; body: string; sent: string }

export interface FuzzReport {
  ok: boolean;
  bodies: number;
  seed: number;
  by_route: Record<string, number>;
  by_category: Record<string, number>;
  by_status: Record<string, number>;
  non_4xx: number;
  not_status_shaped: number;
  jobs_enqueued: number;
  heap_growth_mb: number;
  still_healthy: boolean;
  failures: FuzzFailure[];
}

/** A metav1.Status as the API server's clients parse it, with the HTTP code repeated inside. */
export function isStatusBody(body: unknown, httpStatus: number): boolean {
  if (!body || typeof body !== 'object') return false;
  const s = body as Record<string, unknown>;
  return s.kind === 'Status' && s.apiVersion === 'v1' && s.status === 'Failure' && s.code === httpStatus && typeof s.reason === 'string' && typeof s.message === 'string';
}

function gcHeapMb(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const inc = (m: Record<string, number>, k: string) => { m[k] = (m[k] ?? 0) + 1; };

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const seed = opts.seed ?? Date.now() % 2 ** 31;
  const redis = await startRedis();
  const prefix = uniquePrefix('fuzz');
  const producer = createSyncProducer({ redisUrl: redis.url, prefix });
  const app = buildApp({ config: testConfig(redis.url, prefix), producer, clock: Date.now });
  const report: FuzzReport = {
    ok: false, bodies: 0, seed, by_route: {}, by_category: {}, by_status: {}, non_4xx: 0, not_status_shaped: 0,
    jobs_enqueued: 0, heap_growth_mb: 0, still_healthy: false, failures: [],
  };
  try {
    for (let i = 0; i < 100 && !(await producer.ping()); i++) await new Promise((r) => setTimeout(r, 20));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const send = async (req: FuzzRequest) => {
      let status = 0;
      let text = '';
      try {
        const res = await fetch(`${url}${req.route}`, { method: 'POST', headers: { 'content-type': req.contentType, authorization: `Bearer ${TOKEN}` }, body: req.body });
        status = res.status;
        text = await res.text();
      } catch (err) {
        text = `request failed: ${(err as Error).message}`;
      }
      report.bodies++;
      inc(report.by_route, req.route);
      inc(report.by_category, req.category);
      inc(report.by_status, String(status));
      let parsed: unknown;
      try { parsed = JSON.parse(text); } catch { parsed = undefined; }
      const bad4xx = status < 400 || status > 499;
      const badShape = !isStatusBody(parsed, status);
      if (bad4xx) report.non_4xx++;
      if (badShape) report.not_status_shaped++;
      if ((bad4xx || badShape) && report.failures.length < 10) {
        report.failures.push({ category: req.category, route: req.route, status, body: text.slice(0, 300), sent: req.body.slice(0, 300) });
      }
    };
    const run = async (requests: FuzzRequest[]) => {
      let next = 0;
      await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, async () => {
        for (let i = next++; i < requests.length; i = next++) await send(requests[i]);
      }));
    };

    await run([oversized('/admission', ADMISSION_BODY_LIMIT), oversized('/audit', AUDIT_BODY_LIMIT)]);
    const arb = fuzzRequest();
    const BATCH = 250;
    let heapStart = 0;
    for (let done = 0, batch = 0; done < opts.bodies; batch++) {
      const n = Math.min(BATCH, opts.bodies - done);
      // Generated batch by batch (seeded, reproducible) so huge bodies are never all held at once.
      await run(fc.sample(arb, { numRuns: n, seed: seed + batch }));
      done += n;
      if (batch === 0) heapStart = gcHeapMb(); // after warm-up: compiled schemas, pools, JIT
      if (batch % 8 === 0) opts.log?.(`fuzz: ${done}/${opts.bodies} bodies, ${report.non_4xx} non-4xx, ${report.not_status_shaped} not Status`);
    }
    report.heap_growth_mb = Math.round((gcHeapMb() - heapStart) * 10) / 10;
    report.still_healthy = (await fetch(`${url}/healthz`)).status === 200;

    const conn = createRedisConnection(redis.url, 'producer');
    const queue = new Queue(QUEUE_NAMES.sync, { connection: conn, prefix });
    try {
      const counts = await queue.getJobCounts();
      report.jobs_enqueued = Object.values(counts).reduce((a, b) => a + b, 0);
    } finally {
      await queue.close();
      conn.disconnect();
    }
    report.ok = report.non_4xx === 0 && report.not_status_shaped === 0 && report.jobs_enqueued === 0 && report.still_healthy && report.heap_growth_mb < 32;
    return report;
  } finally {
    await app.close();
    await producer.close();
    await redis.stop();
  }
}
