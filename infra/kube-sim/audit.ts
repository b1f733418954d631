// The audit webhook backend in batch mode (--audit-policy-file, --audit-webhook-config-file,
// --audit-webhook-batch-*): the HTTP layer reports each stage of each request, the policy decides what
// is kept, and EventLists are POSTed to the webhook by the batcher.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { AuditOptions, AuditSink } from './types.js';
import { checkPolicy, evaluatePolicy, type AuditPolicy } from './audit-policy.js';
import { buildEvent, microTime } from './audit-event.js';
import { createBatcher, type BatcherStats } from './audit-batcher.js';
import { loadWebhookKubeconfig } from './audit-kubeconfig.js';
import { postJson } from './webhook-client.js';
import { SERVER_VERSION } from './discovery.js';

/** The webhook client's fixed per-request timeout; a kubeconfig cannot change it. */
const REQUEST_TIMEOUT_MS = 30_000;

/** client-go's default User-Agent for the kube-apiserver binary (the audit client sets none of its own). */
const USER_AGENT = `kube-apiserver/${SERVER_VERSION.gitVersion} (${SERVER_VERSION.platform}) kubernetes/${SERVER_VERSION.gitCommit.slice(0, 7)}`;

export const AUDIT_DEFAULTS = { batchMaxSize: 400, batchMaxWaitMs: 30_000, bufferSize: 10_000, initialBackoffMs: 10_000 } as const;

export async function loadPolicy(policy: unknown): Promise<AuditPolicy> {
  if (typeof policy === 'string') return checkPolicy(parse(await readFile(policy, 'utf8')), policy);
  return checkPolicy(policy);
}

const now = () => performance.timeOrigin + performance.now();

export async function createAuditSink(options: AuditOptions): Promise<AuditSink & { stats(): BatcherStats }> {
  const policy = await loadPolicy(options.policy);
  const target = await loadWebhookKubeconfig(options.webhookKubeconfig);
  const batcher = createBatcher<Record<string, unknown>>({
    maxSize: options.batchMaxSize ?? AUDIT_DEFAULTS.batchMaxSize,
    maxWaitMs: options.batchMaxWaitMs ?? AUDIT_DEFAULTS.batchMaxWaitMs,
    bufferSize: options.bufferSize ?? AUDIT_DEFAULTS.bufferSize,
    initialBackoffMs: options.initialBackoffMs ?? AUDIT_DEFAULTS.initialBackoffMs,
    async send(items) {
      await postJson(target, { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }, REQUEST_TIMEOUT_MS, USER_AGENT);
    },
  });
  return {
    record(stage, request, response) {
      const event = buildEvent(stage, evaluatePolicy(policy, request), request, response, microTime(now()));
      if (event) batcher.add(event);
    },
    close: () => batcher.close(),
    stats: () => batcher.stats(),
  };
}
