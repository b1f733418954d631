// namespace: a virtual namespace was updated (audit), so its labels may have changed, and every host pod of
// it carries them (translate-metadata's ns-label keys). The shared copy of its labels is refreshed first,
// then its pods are synced again, page by page; each sync compares and writes only when the labels did change.
import type { Job } from 'bullmq';
import { parseObjectRef, type ObjectRef } from '../../_shared/core/job-refs.js';
import { refreshNamespaceLabels } from '../../_shared/kube/namespaces.js';
import { listPodsPage } from '../../_shared/kube/pods.js';
import { enqueueSyncBulk } from '../../_shared/queue/enqueue-sync.js';
import type { WorkerDeps } from '../worker-deps.js';

const PAGE = 500;

export async function processNamespace(job: Job, deps: WorkerDeps): Promise<string> {
  const ref = parseObjectRef(job.data);
  await refreshNamespaceLabels(deps.virtual, ref.namespace, deps.namespaceLabels);
  let token: string | undefined;
  let pods = 0;
  do {
    const page = await listPodsPage(deps.virtual, ref.namespace, { limit: PAGE, continueToken: token });
    const refs: ObjectRef[] = page.items.map((p) => ({ cluster: deps.cluster, kind: 'Pod', namespace: ref.namespace, name: p.metadata!.name! }));
    await enqueueSyncBulk(deps.queues.sync, refs, 'audit');
    pods += refs.length;
    token = page.metadata?._continue || undefined;
  } while (token);
  await job.log(`${deps.now().toISOString()} namespace ${ref.namespace} changed: ${pods} pod(s) synced again`);
  return `resynced ${pods}`;
}
