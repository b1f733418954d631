// What "nothing lost" means, as numbers: every virtual pod has exactly one host pod and is Ready, and no
// host pod lacks its virtual pod. Pure, so the counting itself is table-tested apart from any fault.
import type { V1Pod } from '@kubernetes/client-node';
import { OBJECT_NAME_ANNOTATION, OBJECT_NAMESPACE_ANNOTATION, OBJECT_UID_ANNOTATION } from '../functions/_shared/core/provenance.js';

export interface Verdict {
  pods: number;
  /** Virtual pods without any host pod. */
  lost: number;
  /** Virtual pods with more than one host pod (host pods beyond the first are counted). */
  duplicates: number;
  /** Host pods whose virtual pod does not exist (by namespace/name, or a uid that no longer matches). */
  orphans: number;
  /** Virtual pods not Ready=True (lost ones included: a pod without a host pod cannot be Ready). */
  not_ready: number;
}

export const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export function verdict(virtualPods: readonly V1Pod[], hostPods: readonly V1Pod[]): Verdict {
  const virtualByKey = new Map<string, V1Pod>();
  for (const pod of virtualPods) virtualByKey.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
  const hostCount = new Map<string, number>();
  let orphans = 0;
  for (const host of hostPods) {
    const a = host.metadata?.annotations ?? {};
    const key = `${a[OBJECT_NAMESPACE_ANNOTATION]}/${a[OBJECT_NAME_ANNOTATION]}`;
    const virtual = virtualByKey.get(key);
    const uid = a[OBJECT_UID_ANNOTATION];
    if (!virtual || (uid && virtual.metadata?.uid && uid !== virtual.metadata.uid)) {
      orphans++;
      continue;
    }
    hostCount.set(key, (hostCount.get(key) ?? 0) + 1);
  }
  let lost = 0;
  let duplicates = 0;
  let notReady = 0;
  for (const [key, pod] of virtualByKey) {
    const n = hostCount.get(key) ?? 0;
    if (n === 0) lost++;
    if (n > 1) duplicates += n - 1;
    if (!isReady(pod)) notReady++;
  }
  return { pods: virtualByKey.size, lost, duplicates, orphans, not_ready: notReady };
}

export const isClean = (v: Verdict): boolean => v.lost === 0 && v.duplicates === 0 && v.orphans === 0 && v.not_ready === 0;
