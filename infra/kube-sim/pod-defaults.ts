// What a pod gains on its way into a real API server before anyone else sees it: scheme defaulting
// (k8s pkg/apis/core/v1/defaults.go) and the default admission plugins ServiceAccount, Priority and
// DefaultTolerationSeconds. Pure functions on a plain object the caller owns; the random source is injected.
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
export const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)];
  return s;
}

/** kubelet's image pull policy rule: a `latest` or missing tag pulls Always, a digest or other tag IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  // Requests default to limits, per resource, when only limits are given.
  const limits = c.resources.limits as Obj | undefined;
  if (limits && Object.keys(limits).length) {
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(limits)) c.resources.requests[k] ??= v;
  }
  for (const p of (c.ports ?? []) as Obj[]) p.protocol ??= 'TCP';
  for (const e of (c.env ?? []) as Obj[]) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
}

function defaultVolume(v: Obj): void {
  for (const key of ['configMap', 'secret', 'projected', 'downwardAPI']) if (v[key]) v[key].defaultMode ??= 420;
}

/** Scheme defaulting: idempotent, so it is safe to run again after a mutating webhook. */
export function applyPodSchemeDefaults(pod: KubeObject): void {
  const spec = ((pod.spec as Obj | undefined) ?? (pod.spec = {})) as Obj;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName === undefined && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) for (const c of (spec[list] ?? []) as Obj[]) if (c && typeof c === 'object') defaultContainer(c);
  for (const v of (spec.volumes ?? []) as Obj[]) if (v && typeof v === 'object') defaultVolume(v);
}

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

/**
 * The built-in mutating admission plugins, in their order. `serviceAccount` is the pod's ServiceAccount as
 * stored (the caller has already answered 403 when it is missing).
 */
export function applyPodAdmissionDefaults(pod: KubeObject, serviceAccount: KubeObject | undefined, random: () => number = Math.random): void {
  const spec = pod.spec as Obj;
  // ServiceAccount plugin.
  spec.serviceAccountName ||= 'default';
  spec.serviceAccount = spec.serviceAccountName;
  const podOptOut = spec.automountServiceAccountToken === false;
  const saOptOut = spec.automountServiceAccountToken === undefined && serviceAccount?.automountServiceAccountToken === false;
  const containers = [...((spec.initContainers ?? []) as Obj[]), ...((spec.containers ?? []) as Obj[])];
  const alreadyMounted = containers.some((c) => ((c.volumeMounts ?? []) as Obj[]).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT));
  if (!podOptOut && !saOptOut && !alreadyMounted) {
    const name = `kube-api-access-${randomSuffix(5, random)}`;
    spec.volumes = [...((spec.volumes ?? []) as Obj[]), tokenVolume(name)];
    for (const c of containers) c.volumeMounts = [...((c.volumeMounts ?? []) as Obj[]), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT }];
  }
  // Priority plugin: no priorityClassName and no global default class means priority 0.
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  // DefaultTolerationSeconds plugin: only when the pod does not already tolerate the taint itself.
  const tolerations = (spec.tolerations ?? []) as Obj[];
  for (const t of DEFAULT_TOLERATIONS) {
    const covered = tolerations.some((x) => (x.key === t.key || (x.key === undefined && x.operator === 'Exists')) && (!x.effect || x.effect === 'NoExecute'));
    if (!covered) tolerations.push({ ...t });
  }
  spec.tolerations = tolerations;
}

function tokenVolume(name: string): Obj {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

/** The QoS class the API server computes at create (k8s pkg/apis/core/helper/qos). */
export function qosClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...((spec.initContainers ?? []) as Obj[]), ...((spec.containers ?? []) as Obj[])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = (c.resources?.requests ?? {}) as Obj;
    const limits = (c.resources?.limits ?? {}) as Obj;
    const tracked = (m: Obj) => Object.keys(m).filter((k) => k === 'cpu' || k === 'memory');
    if (tracked(requests).length || tracked(limits).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined || String(requests[r] ?? limits[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
