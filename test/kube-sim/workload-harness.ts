// The workload tests' cluster without kubelets (virtual mode): the real in-process API and the simulated
// kube-controller-manager, bodies for the workload kinds, and a stand-in for what podferry does to virtual pods
// (patching their status Ready, Succeeded or Failed through pods/status).
import { createApi, type SimApi } from '../../infra/kube-sim/api.js';
import { startControllers, type Controllers } from '../../infra/kube-sim/controllers.js';
import { pods } from '../../infra/kube-sim/resources.js';
import type { KubeObject, WriteOptions } from '../../infra/kube-sim/types.js';

export const write: WriteOptions = { dryRun: false, user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }, fieldManager: 'test' };
const syncer: WriteOptions = { ...write, user: { username: 'podferry', groups: ['system:authenticated'] }, fieldManager: 'podferry' };

export interface Virtual {
  api: SimApi;
  controllers: Controllers;
  /** Stops the controllers and starts fresh ones, as a restart of kube-controller-manager would. */
  restartControllers(between?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export function startVirtual(): Virtual {
  const api = createApi();
  const start = () => startControllers(api, { job: { backoffBaseMs: 20, backoffMaxMs: 200 } });
  const v: Virtual = {
    api,
    controllers: start(),
    async restartControllers(between) {
      await v.controllers.stop();
      await between?.();
      v.controllers = start();
    },
    stop: () => v.controllers.stop(),
  };
  return v;
}

const template = (labels: Record<string, string>, image: string, restartPolicy?: string) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'app', image }], ...(restartPolicy ? { restartPolicy } : {}) },
});

export function deploymentBody(name: string, replicas: number, image = 'nginx:1.27', spec: Record<string, unknown> = {}): KubeObject {
  const labels = { app: name };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels, image), ...spec } };
}

export function replicaSetBody(name: string, replicas: number, image = 'nginx:1.27'): KubeObject {
  const labels = { app: name };
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels, image) } };
}

export function statefulSetBody(name: string, replicas: number, spec: Record<string, unknown> = {}): KubeObject {
  const labels = { app: name };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name }, spec: { replicas, serviceName: name, selector: { matchLabels: labels }, template: template(labels, 'nginx:1.27'), ...spec } };
}

export function jobBody(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: template({}, 'busybox', 'Never'), ...spec } };
}

const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What a syncer reports for a pod: Running and Ready, Succeeded, or Failed. */
export async function report(api: SimApi, pod: KubeObject, state: 'ready' | 'succeeded' | 'failed'): Promise<KubeObject> {
  const t = stamp();
  const containers = ((pod.spec as { containers?: Array<{ name: string; image: string }> }).containers ?? []);
  const ready = state === 'ready';
  const exitCode = state === 'succeeded' ? 0 : 1;
  const status = {
    phase: ready ? 'Running' : state === 'succeeded' ? 'Succeeded' : 'Failed',
    conditions: [
      { type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t, ...(ready ? {} : { reason: state === 'succeeded' ? 'PodCompleted' : 'PodFailed' }) },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    ],
    containerStatuses: containers.map((c) => ({
      name: c.name, image: c.image, imageID: '', ready, started: ready, restartCount: 0,
      state: ready ? { running: { startedAt: t } } : { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: t, finishedAt: t } },
    })),
  };
  const { object } = await api.patch(pods, pod.metadata.namespace, pod.metadata.name!, 'merge', { status }, syncer, 'status');
  return object;
}

export const podsWith = (api: SimApi, selector: string, ns = 'default') => api.list(pods, ns, { labelSelector: selector }).items;
export const isReady = (p: KubeObject) => ((p.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
export const imageOf = (p: KubeObject) => (p.spec as { containers: Array<{ image: string }> }).containers[0].image;

/**
 * Polls until `check` returns something other than undefined/false. helpers/stack.ts has the same helper, but
 * importing it loads the whole local stack (fastify, bullmq), seconds per test file for nothing used here.
 */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** kubectl's DeploymentStatusViewer (rollout status), to judge a rollout the way users see it. */
export function rolloutStatus(d: KubeObject): { done: boolean; message: string } {
  const spec = d.spec as { replicas?: number };
  const s = (d.status ?? {}) as Record<string, any>;
  const name = d.metadata.name;
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { done: false, message: 'Waiting for deployment spec update to be observed...' };
  const progressing = (s.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, message: `deployment "${name}" exceeded its progress deadline` };
  const updated = s.updatedReplicas ?? 0;
  if (spec.replicas !== undefined && updated < spec.replicas) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${spec.replicas} new replicas have been updated...` };
  if ((s.replicas ?? 0) > updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
  if ((s.availableReplicas ?? 0) < updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}
