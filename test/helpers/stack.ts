// The whole system for end-to-end tests: startLocalStack on ephemeral ports, a temporary state dir and a
// throwaway redis-server, plus admin clients for both clusters and a polling `eventually`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../functions/start/local-stack.js';
import { startRedis, type RedisHandle } from './redis.js';

export interface TestStack extends LocalStack {
  redis: RedisHandle;
  virtualCore: CoreV1Api;
  hostCore: CoreV1Api;
  stop(): Promise<void>;
}

export function coreApiFor(kubeconfig: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

export async function startTestStack(opts: Partial<LocalStackOptions> = {}): Promise<TestStack> {
  const redis = await startRedis();
  const stateDir = await mkdtemp(join(tmpdir(), 'podferry-e2e-'));
  const stack = await startLocalStack({
    stateDir,
    ephemeralPorts: true,
    redisUrl: redis.url,
    log: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
    kubeletStepMs: 20,
    ...opts,
  });
  return {
    ...stack,
    redis,
    virtualCore: coreApiFor(stack.virtual.kubeconfig),
    hostCore: coreApiFor(stack.host.kubeconfig),
    async stop() {
      await stack.close();
      await redis.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` with the last state. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function readOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}
