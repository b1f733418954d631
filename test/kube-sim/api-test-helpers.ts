// Shared by the in-process API tests: write options and a way to read the Status off a failed call.
import type { KubeObject, WriteOptions } from '../../infra/kube-sim/types.js';

export const wo = (extra: Partial<WriteOptions> = {}): WriteOptions => ({
  dryRun: false, user: { username: 'tester', groups: ['system:authenticated'] }, fieldManager: 'test', ...extra,
});

/** The Status a failed call carried, or undefined when it succeeded. */
export async function statusOf(p: Promise<unknown>): Promise<any> {
  return p.then(() => undefined, (e) => e.status);
}

export function syncStatusOf(fn: () => unknown): any {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { status: unknown }).status;
  }
}

export const podBody = (name: string, labels: Record<string, string> = { app: 'web' }): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
});

export const cmBody = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data,
});
