// Shared setup for webhook tests: a config from a real env map, a real producer on a test Redis, and a
// reader for what landed in Redis.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Test } from 'tap';
import { loadConfig } from '../../functions/_shared/config.js';
import { createRedisConnection } from '../../functions/_shared/queue/connection.js';
import { createSyncProducer, type SyncProducer } from '../../functions/_shared/queue/producer.js';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import type { SyncJobData } from '../../functions/_shared/queue/enqueue-sync.js';
import { buildApp } from '../../functions/webhook/app.js';
import { WebhookMetrics } from '../../functions/webhook/metrics.js';
import { uniquePrefix } from './redis.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` };
export const OWN_USER = 'podferry-syncer';

export function testConfig(redisUrl: string, prefix: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'podferry-webhook-'));
  const kubeconfig = join(dir, 'virtual.kubeconfig');
  writeFileSync(kubeconfig, 'kind: Config\n');
  return loadConfig({
    REDIS_URL: redisUrl,
    PODFERRY_CLUSTER: 'vc1',
    VIRTUAL_KUBECONFIG: kubeconfig,
    HOST_NAMESPACE: 'vc1-host',
    WEBHOOK_TOKENS: TOKEN,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    PODFERRY_VIRTUAL_USER: OWN_USER,
    ...extra,
  });
}

export interface Harness {
  app: ReturnType<typeof buildApp>;
  producer: SyncProducer;
  metrics: WebhookMetrics;
  /** Closes the app (which waits for fired enqueues) and returns the sync jobs in Redis. */
  jobsAfterClose(): Promise<SyncJobData[]>;
}

export async function harness(t: Test, redisUrl: string, opts: { extraEnv?: Record<string, string>; logLines?: string[] } = {}): Promise<Harness> {
  const prefix = uniquePrefix('w');
  const config = testConfig(redisUrl, prefix, opts.extraEnv);
  const producer = createSyncProducer({ redisUrl, prefix });
  for (let i = 0; i < 100 && !(await producer.ping()); i++) await new Promise((r) => setTimeout(r, 10));
  const metrics = new WebhookMetrics(() => 1_700_000_000_000);
  const logLines = opts.logLines;
  const app = buildApp({
    config,
    producer,
    clock: () => 1_700_000_000_000,
    metrics,
    ...(logLines ? { logStream: { write: (l: string) => void logLines.push(l) } } : {}),
  });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await app.close();
    await producer.close();
  });
  return {
    app,
    producer,
    metrics,
    async jobsAfterClose() {
      await app.close();
      closed = true;
      const conn = createRedisConnection(redisUrl, 'producer');
      const queue = new Queue(QUEUE_NAMES.sync, { connection: conn, prefix });
      try {
        const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
        return jobs.map((j) => j.data as SyncJobData).sort((a, b) => a.name.localeCompare(b.name));
      } finally {
        await queue.close();
        conn.disconnect();
      }
    },
  };
}

export function podObject(name: string, extra: { uid?: string; spec?: Record<string, unknown> } = {}) {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, namespace: 'default', ...(extra.uid ? { uid: extra.uid } : {}) },
    spec: { containers: [{ name: 'app', image: 'nginx', env: [{ name: 'PASSWORD', value: 'hunter2' }] }], ...extra.spec },
  };
}

export function admissionReview(request: Record<string, unknown>) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'req-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'], extra: {} },
      dryRun: false,
      ...request,
    },
  };
}
