// One chaos scenario on a fresh stack: workers as separate processes, a burst of pods created in the
// virtual cluster while the scenario's faults strike, then a poll until every pod is synced and Ready.
// converge_s runs from the end of the last fault (window closed, every fault undone) to the first clean
// verdict.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { MANAGED_BY_LABEL, NAMESPACE_LABEL } from '../functions/_shared/core/provenance.js';
import { PooledKubeConfig } from '../functions/_shared/kube/pooled-kube-config.js';
import { startLocalStack, type LocalStack } from '../functions/start/local-stack.js';
import { startRedis } from '../test/helpers/redis.js';
import { runFault, type FaultName, type FaultReport } from './faults.js';
import { queueCounter } from './queue-counter.js';
import { isClean, verdict, type Verdict } from './verdict.js';
import { startWorkerPool } from './worker-pool.js';

export interface ScenarioOptions {
  name: string;
  faults: readonly FaultName[];
  pods: number;
  workers?: number;
  workerConcurrency?: number;
  resyncIntervalSeconds?: number;
  /** The faults last at least this long even if the burst is over sooner. */
  minFaultWindowMs?: number;
  convergeTimeoutMs?: number;
  createConcurrency?: number;
  log?: (line: string) => void;
}

export interface ScenarioResult extends Verdict {
  scenario: string;
  faults: readonly FaultName[];
  /** Seconds from the end of the last fault to a clean verdict; null when it never got there. */
  converge_s: number | null;
  burst_s: number;
  fault_window_s: number;
  create_errors: number;
  resync_interval_s: number;
  fault_report: FaultReport;
  /** Worker processes that exited without being killed (restarted a second later). */
  worker_crashes: number;
  crash_logs?: string[];
  /** Why the scenario could not run at all (its counts are then all-lost). */
  error?: string;
}

const NAMESPACE = 'default';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (s: number) => Math.round(s * 10) / 10;

function coreApi(kubeconfig: string): { api: CoreV1Api; close(): void } {
  const kc = new PooledKubeConfig(64);
  kc.loadFromString(kubeconfig);
  return { api: kc.makeApiClient(CoreV1Api), close: () => kc.destroy() };
}

async function listAll(api: CoreV1Api, namespace: string, labelSelector?: string): Promise<V1Pod[]> {
  const items: V1Pod[] = [];
  let token: string | undefined;
  do {
    const page = await api.listNamespacedPod({ namespace, limit: 1000, _continue: token, labelSelector });
    items.push(...page.items);
    token = page.metadata?._continue || undefined;
  } while (token);
  return items;
}

/** Ephemeral ports are picked, then bound: another process can take one in between; start again then. */
async function withPortRetry<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

/** Creates `count` pods with at most `concurrency` requests in flight; resolves to the number of failures. */
async function burst(api: CoreV1Api, count: number, concurrency: number, onCreated: () => void): Promise<number> {
  let next = 0;
  let errors = 0;
  const one = async () => {
    for (let i = next++; i < count; i = next++) {
      const body: V1Pod = { metadata: { name: `chaos-${i}` }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
      // A create that failed is retried: the burst is the user's intent, and it must land once.
      for (let attempt = 0; ; attempt++) {
        try {
          await api.createNamespacedPod({ namespace: NAMESPACE, body });
          onCreated();
          break;
        } catch (err) {
          if ((err as { code?: number }).code === 409) {
            if (attempt > 0) onCreated(); // an earlier attempt landed after all
            break;
          }
          errors++;
          if (attempt >= 5) throw err;
          await sleep(200);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, one));
  return errors;
}

export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const log = opts.log ?? (() => {});
  const resync = opts.resyncIntervalSeconds ?? 10;
  const redis = await startRedis();
  const stateDir = await mkdtemp(join(tmpdir(), 'podferry-chaos-'));
  let stack: LocalStack | undefined;
  let pool: ReturnType<typeof startWorkerPool> | undefined;
  const clients: Array<{ close(): void }> = [];
  try {
    stack = await withPortRetry(() => startLocalStack({
      stateDir,
      ephemeralPorts: true,
      redisUrl: redis.url,
      inProcessWorkers: false,
      concurrency: opts.workerConcurrency ?? 50,
      resyncIntervalSeconds: resync,
      hostNodes: Math.ceil(opts.pods / 100) + 2,
      // To stderr: a component that raises its own child's level must not write into stdout's results.
      log: pino({ level: 'silent' }, pino.destination(2)),
    }));
    const virtual = coreApi(stack.virtual.kubeconfig);
    const host = coreApi(stack.host.kubeconfig);
    clients.push(virtual, host);
    pool = startWorkerPool(stack.workerEnv, opts.workers ?? 3);

    const queues = queueCounter(redis.url, stack.endpoints.queuePrefix);
    clients.push(queues);
    let windowOpen = true;
    let created = 0;
    const started = Date.now();
    const ctx = { stack, redis, workers: pool, open: () => windowOpen, log, burstProgress: () => created / opts.pods, unfinishedJobs: () => queues.unfinished() };
    const faultRuns = opts.faults.map((f) => runFault(f, ctx));
    const createErrors = await burst(virtual.api, opts.pods, opts.createConcurrency ?? 32, () => created++);
    const burstS = (Date.now() - started) / 1000;
    log(`${opts.name}: burst of ${opts.pods} pods created in ${burstS.toFixed(1)} s (${createErrors} create retries)`);
    await sleep(Math.max(0, (opts.minFaultWindowMs ?? 10_000) - (Date.now() - started)));
    windowOpen = false;
    const reports = await Promise.all(faultRuns);
    const faultsOver = Date.now();
    log(`${opts.name}: faults over after ${((faultsOver - started) / 1000).toFixed(1)} s`);

    const hostNamespace = stack.endpoints.hostNamespace;
    // The burst's own host pods: other namespaces (the host-changes fault's) are not this verdict's.
    const selector = `${MANAGED_BY_LABEL}=${stack.endpoints.cluster},${NAMESPACE_LABEL}=${NAMESPACE}`;
    const until = faultsOver + (opts.convergeTimeoutMs ?? 120_000);
    let last: Verdict = { pods: 0, lost: opts.pods, duplicates: 0, orphans: 0, not_ready: opts.pods };
    let convergeS: number | null = null;
    let lastProgress = 0;
    for (;;) {
      if (Date.now() - lastProgress >= 5_000) {
        lastProgress = Date.now();
        log(`${opts.name}: +${((Date.now() - faultsOver) / 1000).toFixed(0)} s ${JSON.stringify(last)} queues ${await queues.counts()}`);
      }
      try {
        const [virtualPods, hostPods] = await Promise.all([listAll(virtual.api, NAMESPACE), listAll(host.api, hostNamespace, selector)]);
        last = verdict(virtualPods, hostPods);
        if (last.pods === opts.pods && isClean(last)) {
          convergeS = round((Date.now() - faultsOver) / 1000);
          break;
        }
      } catch (err) {
        log(`${opts.name}: check failed: ${(err as Error).message}`);
      }
      if (Date.now() > until) break;
      await sleep(500);
    }
    log(`${opts.name}: ${JSON.stringify(last)} converge_s=${convergeS}`);
    return {
      scenario: opts.name,
      faults: opts.faults,
      ...last,
      converge_s: convergeS,
      burst_s: round(burstS),
      fault_window_s: round((faultsOver - started) / 1000),
      create_errors: createErrors,
      resync_interval_s: resync,
      fault_report: Object.assign({}, ...reports),
      worker_crashes: pool.crashes().length,
      ...(pool.crashes().length ? { crash_logs: pool.crashes().slice(-3) } : {}),
    };
  } finally {
    await pool?.stop();
    for (const c of clients) c.close();
    await stack?.close();
    await redis.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}
