// The resync's view of configmap and secret copies, one entry per copy, never their data: which copies the
// host pods reference, which exist, and which a virtual pod with a host pod needs but the host lacks (its
// creation was missed: the dependency job is asked to copy it). A copy no host pod references is deleted
// after a second resync finds it unused too.
import type { V1Pod } from '@kubernetes/client-node';
import { hostObjectName } from '../../_shared/core/names.js';
import { podDependencies, referencedNames } from '../../_shared/core/pod-references.js';
import { checkOwnership } from '../../_shared/core/ownership.js';
import { MANAGED_BY_LABEL, OBJECT_NAME_ANNOTATION, OBJECT_NAMESPACE_ANNOTATION } from '../../_shared/core/provenance.js';
import type { ObjectRef } from '../../_shared/core/job-refs.js';
import { deleteCopy, listCopiesPage, type CopyKind } from '../../_shared/kube/object-copies.js';
import { copyMark } from '../../_shared/queue/shared-marks.js';
import { enqueueSyncBulk } from '../../_shared/queue/enqueue-sync.js';
import { enqueueTokenRefreshBulk, tokenRefreshRef, type TokenRefreshRef } from '../../_shared/queue/enqueue-token-refresh.js';
import { overdueTokenAnnotationsPod, overdueTokenSecretPod } from '../../_shared/core/token-refresh.js';
import type { WorkerDeps } from '../worker-deps.js';

const KINDS: readonly CopyKind[] = ['ConfigMap', 'Secret'];
const PAGE = 500;
const key = (kind: CopyKind, hostName: string) => `${kind}/${hostName}`;

export interface CensusReport {
  copies: number;
  missingCopies: number;
  unusedCopies: number;
  deletedCopies: number;
  /** Token secrets past their renewal time: their renewal is asked for again. */
  overdueTokenSecrets: number;
}

export class DependencyCensus {
  private readonly referenced = new Set<string>();
  private readonly copies = new Map<string, { uid?: string; virtual: { namespace: string; name: string } }>();
  private readonly missing = new Map<string, ObjectRef>();
  private readonly pods: Array<{ kind: CopyKind; namespace: string; name: string; pod: string }> = [];
  private readonly overdueTokens: TokenRefreshRef[] = [];

  constructor(private readonly deps: WorkerDeps) {}

  addHostPod(pod: V1Pod): void {
    // 'annotation' mode keeps tokens on the host pod: one past its renewal time has lost its renewal job.
    const overdue = overdueTokenAnnotationsPod(pod, this.deps.now(), { vcluster: this.deps.cluster, hostNamespace: this.deps.hostNamespace });
    if (overdue) this.overdueTokens.push(tokenRefreshRef(this.deps.cluster, overdue));
    const { configMaps, secrets } = referencedNames(pod.spec);
    for (const name of configMaps) this.referenced.add(key('ConfigMap', name));
    for (const name of secrets) this.referenced.add(key('Secret', name));
  }

  /** Lists the copies podferry made (names and uids only). */
  async loadCopies(): Promise<void> {
    for (const kind of KINDS) {
      let token: string | undefined;
      do {
        const page = await listCopiesPage(this.deps.host, kind, this.deps.hostNamespace, { labelSelector: `${MANAGED_BY_LABEL}=${this.deps.cluster}`, limit: PAGE, continueToken: token });
        for (const item of page.items) {
          // Only copies whose provenance proves them podferry's (core/ownership.ts): nothing else is ours to delete.
          const a = item.annotations;
          const meta = { name: item.name, namespace: this.deps.hostNamespace, labels: { [MANAGED_BY_LABEL]: this.deps.cluster }, annotations: a };
          // A pod's token secret is no copy; one past its renewal time has lost its renewal job.
          const overdue = kind === 'Secret' ? overdueTokenSecretPod(meta, this.deps.now(), { vcluster: this.deps.cluster, hostNamespace: this.deps.hostNamespace }) : undefined;
          if (overdue) this.overdueTokens.push(tokenRefreshRef(this.deps.cluster, overdue));
          const want = { kind, vcluster: this.deps.cluster, hostNamespace: this.deps.hostNamespace, namespace: a[OBJECT_NAMESPACE_ANNOTATION] ?? '', name: a[OBJECT_NAME_ANNOTATION] ?? '' };
          if (a[OBJECT_NAME_ANNOTATION] && a[OBJECT_NAMESPACE_ANNOTATION] && checkOwnership(meta, want).owned) this.copies.set(key(kind, item.name), { uid: item.uid, virtual: { namespace: want.namespace, name: want.name } });
        }
        token = page.continueToken;
      } while (token);
    }
  }

  /** A virtual pod that has its host pod: the copies it needs that the host lacks. */
  addVirtualPod(pod: V1Pod): void {
    const { namespace, name } = pod.metadata as { namespace: string; name: string };
    const needed = podDependencies(pod, this.deps.translate);
    for (const [kind, names] of [['ConfigMap', needed.configMaps], ['Secret', needed.secrets]] as const) {
      for (const dep of names) {
        if (this.copies.has(key(kind, hostObjectName(dep, namespace, this.deps.cluster)))) continue;
        this.missing.set(`${kind}/${namespace}/${dep}`, { cluster: this.deps.cluster, kind, namespace, name: dep });
        this.pods.push({ kind, namespace, name: dep, pod: name });
      }
    }
  }

  /** Asks for the missing copies, and deletes the copies unused now and at the last resync. */
  async settle(): Promise<CensusReport> {
    const waits = this.deps.dependencyWaits;
    for (const w of this.pods) await waits?.wait(w.kind, w.namespace, w.name, w.pod);
    const missing = [...this.missing.values()];
    for (let i = 0; i < missing.length; i += PAGE) await enqueueSyncBulk(this.deps.queues.sync, missing.slice(i, i + PAGE), 'resync');
    for (let i = 0; i < this.overdueTokens.length; i += PAGE) await enqueueTokenRefreshBulk(this.deps.queues.sync, this.overdueTokens.slice(i, i + PAGE));
    const unused = [...this.copies.keys()].filter((k) => !this.referenced.has(k));
    const before = waits ? await waits.swapUnused(unused) : new Set<string>();
    let deleted = 0;
    for (const k of unused) {
      if (!before.has(k)) continue;
      const [kind, name] = k.split('/') as [CopyKind, string];
      const copy = this.copies.get(k);
      try {
        // No pod may take the copy as current once it is being deleted (shared-marks.ts).
        if (copy) await this.deps.sharedMarks?.forget([copyMark(kind, copy.virtual.namespace, copy.virtual.name)]);
        if (await deleteCopy(this.deps.host, kind, this.deps.hostNamespace, name, copy?.uid)) deleted++;
      } catch (err) {
        // Re-created meanwhile (the uid precondition failed): in use again, not ours to delete.
        this.deps.log.warn({ kind, name, err: (err as Error).message }, 'unused copy not deleted');
      }
    }
    return { copies: this.copies.size, missingCopies: missing.length, unusedCopies: unused.length, deletedCopies: deleted, overdueTokenSecrets: this.overdueTokens.length };
  }
}
