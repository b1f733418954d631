// resync: the guarantee behind "nothing is lost". On a schedule (and at start) it pages through the virtual
// pods and the managed host pods and enqueues a job for every difference: a virtual pod without its host
// pod (a missed webhook), a host pod without its virtual pod (a missed delete: an orphan), a pod being
// deleted, and a status that drifted after Ready (a container that crashed later). It holds one small entry
// per host pod (name and fingerprint) for the length of the run, never whole objects. On the way it takes the
// census of configmap and secret copies (dependency-census.ts): missing ones are asked for, unused ones go;
// then Services and claims are compared the same way (object-resync.ts).
import type { Job } from 'bullmq';
import { hostPodName } from '../../_shared/core/names.js';
import { MANAGED_BY_LABEL, virtualRefOf } from '../../_shared/core/provenance.js';
import { statusFingerprint } from '../../_shared/core/status-fingerprint.js';
import type { ObjectRef } from '../../_shared/core/job-refs.js';
import { listPodsPage } from '../../_shared/kube/pods.js';
import { enqueueStatusBulk } from '../../_shared/queue/enqueue-status.js';
import { enqueueSyncBulk } from '../../_shared/queue/enqueue-sync.js';
import type { WorkerDeps } from '../worker-deps.js';
import { observeResyncDrift } from '../worker-metrics.js';
import { DependencyCensus, type CensusReport } from './dependency-census.js';
import { resyncObjects, type ObjectResyncReport } from './object-resync.js';

export const RESYNC_PAGE_SIZE = 500;

export interface ResyncReport {
  virtualPods: number;
  hostPods: number;
  missingOnHost: number;
  orphansOnHost: number;
  deleting: number;
  statusDrift: number;
  dependencies?: CensusReport;
  /** Services and claims (object-resync.ts). */
  objects?: ObjectResyncReport;
}

interface HostEntry {
  fingerprint: string;
  virtual?: { namespace: string; name: string };
}

export async function processResync(job: Job, deps: WorkerDeps): Promise<ResyncReport> {
  const report: ResyncReport = { virtualPods: 0, hostPods: 0, missingOnHost: 0, orphansOnHost: 0, deleting: 0, statusDrift: 0 };
  const hostPods = new Map<string, HostEntry>();
  const census = new DependencyCensus(deps);
  let token: string | undefined;
  do {
    const page = await listPodsPage(deps.host, deps.hostNamespace, { labelSelector: `${MANAGED_BY_LABEL}=${deps.cluster}`, limit: RESYNC_PAGE_SIZE, continueToken: token });
    for (const pod of page.items) {
      const virtual = virtualRefOf(pod);
      hostPods.set(pod.metadata!.name!, { fingerprint: statusFingerprint(pod.status), ...(virtual ? { virtual } : {}) });
      census.addHostPod(pod);
    }
    report.hostPods += page.items.length;
    token = page.metadata?._continue || undefined;
    await job.updateProgress({ phase: 'host', ...report });
  } while (token);

  await census.loadCopies();
  const ref = (namespace: string, name: string): ObjectRef => ({ cluster: deps.cluster, kind: 'Pod', namespace, name });
  do {
    const page = await listPodsPage(deps.virtual, undefined, { limit: RESYNC_PAGE_SIZE, continueToken: token });
    const toSync: ObjectRef[] = [];
    const toStatus: ObjectRef[] = [];
    for (const pod of page.items) {
      const { namespace, name } = pod.metadata as { namespace: string; name: string };
      const hostName = hostPodName(name, namespace, deps.cluster);
      const host = hostPods.get(hostName);
      hostPods.delete(hostName);
      if (host && !pod.metadata?.deletionTimestamp) census.addVirtualPod(pod);
      if (pod.metadata?.deletionTimestamp) {
        report.deleting++;
        toSync.push(ref(namespace, name));
      } else if (!host) {
        const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
        if (!finished) {
          report.missingOnHost++;
          toSync.push(ref(namespace, name));
        }
      } else if (host.fingerprint !== statusFingerprint(pod.status)) {
        report.statusDrift++;
        toStatus.push(ref(namespace, name));
      }
    }
    report.virtualPods += page.items.length;
    await enqueueSyncBulk(deps.queues.sync, toSync, 'resync');
    await enqueueStatusBulk(deps.queues.status, toStatus, deps.now());
    token = page.metadata?._continue || undefined;
    await job.updateProgress({ phase: 'virtual', ...report });
  } while (token);

  // What is left has no virtual pod: sync plans the orphan's deletion (after checking it really is ours).
  const orphans: ObjectRef[] = [];
  for (const entry of hostPods.values()) {
    if (entry.virtual) orphans.push(ref(entry.virtual.namespace, entry.virtual.name));
  }
  report.orphansOnHost = orphans.length;
  report.dependencies = await census.settle();
  report.objects = await resyncObjects(deps);
  for (let i = 0; i < orphans.length; i += RESYNC_PAGE_SIZE) {
    await enqueueSyncBulk(deps.queues.sync, orphans.slice(i, i + RESYNC_PAGE_SIZE), 'resync');
  }
  await job.log(`${deps.now().toISOString()} resync: ${JSON.stringify(report)}`);
  observeResyncDrift(deps, report);
  return report;
}
