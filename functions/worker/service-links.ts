// The service link variables of a virtual pod (core/service-links.ts), read when its host pod is created (a
// container's environment is fixed at start, as with kubelet: a Service created later is not in it). The
// virtual namespace's Services are the truth; the address each variable carries is its host Service's, the one
// the host routes (equal to the virtual ClusterIP once synced). A Service without a host copy yet is left out,
// as kubelet leaves out one created after the pod. A namespace's links are shared between its pods for a
// short while (shared-marks.ts); the Service job forgets them whenever a Service of the namespace changes.
import type { V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { hostObjectName } from '../_shared/core/names.js';
import { checkOwnership } from '../_shared/core/ownership.js';
import { MANAGED_BY_LABEL, NAMESPACE_LABEL } from '../_shared/core/provenance.js';
import { isServiceIPSet, serviceLinkVariables, type LinkedService } from '../_shared/core/service-links.js';
import { syncedOwner } from '../_shared/core/synced-object.js';
import { isSyncedService } from '../_shared/core/translate-service.js';
import { listServices } from '../_shared/kube/synced-objects.js';
import { serviceLinksMark } from '../_shared/queue/shared-marks.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * The variables for the pod's containers; none when enableServiceLinks is false or the namespace has no Service
 * with an address. `shared` is the namespace's links as another pod's sync found them a moment ago (JSON, from
 * the shared marks); without it the Services are read and the result shared.
 */
export async function serviceLinksFor(virtualPod: V1Pod, deps: WorkerDeps, shared?: string): Promise<V1EnvVar[]> {
  if (virtualPod.spec?.enableServiceLinks === false) return [];
  const namespace = virtualPod.metadata?.namespace ?? '';
  const known = shared === undefined ? undefined : parseLinks(shared);
  const linked = known ?? await readLinkedServices(namespace, deps);
  if (!known) await deps.sharedMarks?.set(serviceLinksMark(namespace), JSON.stringify(linked));
  return serviceLinkVariables(linked);
}

async function readLinkedServices(namespace: string, deps: WorkerDeps): Promise<LinkedService[]> {
  const candidates = (await listServices(deps.virtual, namespace)).filter((s) => isSyncedService(namespace, s.metadata?.name ?? '') && isServiceIPSet(s.spec?.clusterIP));
  if (candidates.length === 0) return [];
  const hostServices = await listServices(deps.host, deps.hostNamespace, `${MANAGED_BY_LABEL}=${deps.cluster},${NAMESPACE_LABEL}=${namespace}`);
  const byName = new Map(hostServices.map((s) => [s.metadata?.name ?? '', s]));
  const linked: LinkedService[] = [];
  for (const service of candidates) {
    const name = service.metadata!.name!;
    const host = byName.get(hostObjectName(name, namespace, deps.cluster));
    if (!host || !checkOwnership(host.metadata, syncedOwner('Service', { namespace, name }, deps.translate)).owned) continue;
    linked.push({ name, clusterIP: host.spec?.clusterIP, ports: service.spec?.ports ?? [] });
  }
  return linked;
}

function parseLinks(json: string): LinkedService[] | undefined {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? (value as LinkedService[]) : undefined;
  } catch {
    return undefined;
  }
}
