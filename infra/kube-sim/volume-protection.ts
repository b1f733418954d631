// kube-controller-manager's pvc-protection and pv-protection controllers: a claim being deleted keeps its
// kubernetes.io/pvc-protection finalizer while a pod that has not finished uses it, a volume being deleted
// keeps kubernetes.io/pv-protection while it is Bound. Runs in both modes.
import { isKubeError } from './errors.js';
import { persistentVolumeClaims, persistentVolumes, pods } from './resources.js';
import { claimNames } from './scheduler-volumes.js';
import { PV_PROTECTION, PVC_PROTECTION } from './storage-admission.js';
import type { Api, KubeObject, ResourceType, UserInfo, WatchHandle } from './types.js';
import { createWorkQueue } from './work-queue.js';

const USER: UserInfo = { username: 'system:serviceaccount:kube-system:pvc-protection-controller', groups: ['system:serviceaccounts', 'system:authenticated'] };
const WRITE = { dryRun: false, user: USER, fieldManager: 'kube-controller-manager' };

const finished = (pod: KubeObject) => ['Succeeded', 'Failed'].includes((pod.status as { phase?: string } | undefined)?.phase ?? '');

export function startVolumeProtection(api: Api): { stop(): Promise<void> } {
  const claims = new Map<string, KubeObject>();
  const volumes = new Map<string, KubeObject>();
  const users = new Map<string, Set<string>>(); // "ns/claim" -> pod keys using it
  const podClaims = new Map<string, string[]>(); // pod key -> claim keys

  async function release(resource: ResourceType, obj: KubeObject, finalizer: string): Promise<void> {
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await api.patch(resource, obj.metadata.namespace, obj.metadata.name!, 'json', [
        { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
        { op: 'replace', path: '/metadata/finalizers', value: finalizers },
      ], WRITE);
    } catch (err) {
      if (!isKubeError(err) || err.code !== 404) throw err;
    }
  }

  const queue = createWorkQueue(async (k) => {
    if (k.startsWith('pv:')) {
      const pv = volumes.get(k.slice(3));
      if (pv?.metadata.deletionTimestamp && pv.metadata.finalizers?.includes(PV_PROTECTION) && (pv.status as { phase?: string } | undefined)?.phase !== 'Bound') {
        await release(persistentVolumes, pv, PV_PROTECTION);
      }
      return;
    }
    const claim = claims.get(k);
    if (claim?.metadata.deletionTimestamp && claim.metadata.finalizers?.includes(PVC_PROTECTION) && !(users.get(k)?.size)) {
      await release(persistentVolumeClaims, claim, PVC_PROTECTION);
    }
  });

  const watches: WatchHandle[] = [
    api.watch(persistentVolumeClaims, undefined, {}, (ev) => {
      const k = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
      if (ev.type === 'DELETED') claims.delete(k);
      else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') { claims.set(k, ev.object); queue.mark(k); }
    }),
    api.watch(persistentVolumes, undefined, {}, (ev) => {
      const name = ev.object.metadata.name!;
      if (ev.type === 'DELETED') volumes.delete(name);
      else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') { volumes.set(name, ev.object); queue.mark(`pv:${name}`); }
    }),
    api.watch(pods, undefined, {}, (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
      const pod = ev.object;
      const pk = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const now = ev.type === 'DELETED' || finished(pod) ? [] : claimNames(pod).map((c) => `${pod.metadata.namespace}/${c}`);
      const before = podClaims.get(pk) ?? [];
      for (const c of before) if (!now.includes(c)) { users.get(c)?.delete(pk); queue.mark(c); }
      for (const c of now) {
        let set = users.get(c);
        if (!set) users.set(c, (set = new Set()));
        set.add(pk);
      }
      if (now.length) podClaims.set(pk, now);
      else podClaims.delete(pk);
    }),
  ];

  return {
    async stop() {
      for (const w of watches) w.stop();
      await queue.stop();
    },
  };
}
