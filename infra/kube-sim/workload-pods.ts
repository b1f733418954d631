// What the workload controllers share about pods and owned objects (k8s pkg/controller/controller_utils.go,
// pkg/api/v1/pod/util.go): readiness and availability as reported in the pod's status, owner references,
// pods made from a template, the template hash behind pod-template-hash and revision names, and the
// controllers' own identities for writes and events.
import { apiVersionOf } from './resources.js';
import type { KubeObject, ResourceType, UserInfo, WriteOptions } from './types.js';

type Obj = Record<string, any>;

export const statusOf = (o: KubeObject | undefined) => ((o?.status ?? {}) as Obj);
export const specOf = (o: KubeObject | undefined) => ((o?.spec ?? {}) as Obj);

function readyCondition(pod: KubeObject): Obj | undefined {
  return ((statusOf(pod).conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
}

export function isPodReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds, by the Ready condition's lastTransitionTime. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(readyCondition(pod)?.lastTransitionTime ?? '');
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now.getTime();
}

/** Milliseconds until a ready pod becomes available, or undefined when that is not pending. */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, now: Date): number | undefined {
  if (!minReadySeconds || !isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) return undefined;
  const since = Date.parse(readyCondition(pod)?.lastTransitionTime ?? '');
  return Number.isNaN(since) ? undefined : Math.max(1, since + minReadySeconds * 1000 - now.getTime());
}

export const isTerminal = (pod: KubeObject) => ['Succeeded', 'Failed'].includes(statusOf(pod).phase);
export const isTerminating = (o: KubeObject) => !!o.metadata.deletionTimestamp;

/** FilterActivePods: neither finished nor being deleted. */
export const isPodActive = (pod: KubeObject) => !isTerminal(pod) && !isTerminating(pod);

export function ownerReference(owner: KubeObject, resource: ResourceType): Record<string, unknown> {
  return { apiVersion: apiVersionOf(resource), kind: resource.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** GetPodFromTemplate: the template's labels, annotations, finalizers and spec, owned by the controller. */
export function podFromTemplate(template: Obj | undefined, owner: KubeObject, resource: ResourceType, naming: { name?: string; generateName?: string }): KubeObject {
  const meta = (template?.metadata ?? {}) as Obj;
  const metadata: Obj = { ...naming, ownerReferences: [ownerReference(owner, resource)] };
  if (meta.labels) metadata.labels = { ...meta.labels };
  if (meta.annotations) metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) metadata.finalizers = [...meta.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template?.spec ?? {}) };
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Obj;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** controller.ComputeHash: fnv32a of the template (and collision count), its decimal form safe-encoded. */
export function templateHash(template: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(canonicalJson(template) + (collisionCount ? String(collisionCount) : ''), 'utf8');
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return [...String(h)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** A controller's service-account identity, as kube-controller-manager's --use-service-account-credentials gives it. */
export function controllerWrite(name: string): WriteOptions {
  const user: UserInfo = { username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
  return { dryRun: false, user, fieldManager: 'kube-controller-manager' };
}
