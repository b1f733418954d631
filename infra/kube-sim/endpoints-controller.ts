// kube-controller-manager's endpoints and endpointslice controllers: for every Service with a selector, an
// Endpoints of the same name and EndpointSlices labelled kubernetes.io/service-name, kept equal to what
// endpoints-build.ts derives from the pods. Level-triggered from watches: a change to a Service, to a pod
// of its namespace, or to an object it owns marks the Service dirty; a batch of dirty Services is reconciled
// on the next turn of the event loop, writing only what differs.
import { isKubeError } from './errors.js';
import { createWorkQueue } from './work-queue.js';
import { backends, endpointSubsets, MANAGED_BY_LABEL, selectorOf, selects, SERVICE_NAME_LABEL, SLICE_CONTROLLER, sliceGroups } from './endpoints-build.js';
import { endpoints, endpointSlices, pods, services } from './resources.js';
import type { Api, KubeObject, UserInfo, WatchHandle } from './types.js';
import { deepEqual } from './validation.js';

const USER: UserInfo = { username: 'system:serviceaccount:kube-system:endpoint-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
const WRITE = { dryRun: false, user: USER, fieldManager: 'kube-controller-manager' };

type Obj = Record<string, any>;
const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

export function startEndpointsController(api: Api): { stop(): Promise<void> } {
  const svcs = new Map<string, KubeObject>();
  const podsByNs = new Map<string, Map<string, KubeObject>>();
  const queue = createWorkQueue((k) => reconcile(k));
  const mark = (k: string) => queue.mark(k);

  function servicesSelecting(pod: KubeObject): string[] {
    const out: string[] = [];
    for (const [k, svc] of svcs) {
      const selector = selectorOf(svc);
      if (svc.metadata.namespace === pod.metadata.namespace && selector && selects(selector, pod)) out.push(k);
    }
    return out;
  }

  async function reconcile(k: string): Promise<void> {
    const [namespace, name] = k.split('/');
    const svc = svcs.get(k);
    if (!svc || !selectorOf(svc)) {
      if (!svc) await removeOwned(namespace, name);
      return;
    }
    const list = backends(svc, [...(podsByNs.get(namespace)?.values() ?? [])]);
    await writeEndpoints(svc, endpointSubsets(svc, list));
    await writeSlices(svc, sliceGroups(list));
  }

  function labelsFor(svc: KubeObject): Record<string, string> {
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if ((svc.spec as Obj).clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    return labels;
  }

  async function writeEndpoints(svc: KubeObject, subsets: Obj[] | undefined): Promise<void> {
    const { namespace, name } = svc.metadata;
    const labels = labelsFor(svc);
    let current: KubeObject | undefined;
    try { current = api.get(endpoints, namespace, name!); } catch (err) { if (!isKubeError(err) || err.code !== 404) throw err; }
    const body: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, ...(subsets ? { subsets } : {}) };
    if (!current) { await api.create(endpoints, namespace, body, WRITE); return; }
    if (deepEqual(current.subsets, subsets) && deepEqual(current.metadata.labels ?? {}, labels)) return;
    await api.update(endpoints, namespace, name!, { ...body, metadata: { ...current.metadata, labels } }, WRITE);
  }

  async function writeSlices(svc: KubeObject, groups: ReturnType<typeof sliceGroups>): Promise<void> {
    const { namespace, name, uid } = svc.metadata;
    const labels = { ...labelsFor(svc), [SERVICE_NAME_LABEL]: name!, [MANAGED_BY_LABEL]: SLICE_CONTROLLER };
    const existing = api.list(endpointSlices, namespace, { labelSelector: `${SERVICE_NAME_LABEL}=${name},${MANAGED_BY_LABEL}=${SLICE_CONTROLLER}` }).items;
    // A Service without backends still gets one slice, empty, as the controller's placeholder.
    const wanted = groups.length ? groups : [{ ports: null, endpoints: null }];
    const ownerReferences = [{ apiVersion: 'v1', kind: 'Service', name, uid, controller: true, blockOwnerDeletion: true }];
    for (let i = 0; i < Math.max(wanted.length, existing.length); i++) {
      const want = wanted[i];
      const have = existing[i];
      if (!want) { await deleteQuietly(endpointSlices, namespace!, have.metadata.name!); continue; }
      const body: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { namespace, labels, ownerReferences, ...(have ? { name: have.metadata.name } : { generateName: `${name}-` }) },
        addressType: 'IPv4', endpoints: want.endpoints, ports: want.ports,
      };
      if (!have) { await api.create(endpointSlices, namespace, body, WRITE); continue; }
      if (deepEqual(have.endpoints ?? null, want.endpoints) && deepEqual(have.ports ?? null, want.ports) && deepEqual(have.metadata.labels, labels)) continue;
      await api.update(endpointSlices, namespace, have.metadata.name!, { ...body, metadata: { ...have.metadata, labels, ownerReferences } }, WRITE);
    }
  }

  async function deleteQuietly(resource: typeof endpoints, namespace: string, name: string): Promise<void> {
    try { await api.delete(resource, namespace, name, {}, WRITE); } catch (err) { if (!isKubeError(err) || err.code !== 404) throw err; }
  }

  /** The Service is gone: its Endpoints and the slices this controller made for it go too. */
  async function removeOwned(namespace: string, name: string): Promise<void> {
    await deleteQuietly(endpoints, namespace, name);
    for (const s of api.list(endpointSlices, namespace, { labelSelector: `${SERVICE_NAME_LABEL}=${name},${MANAGED_BY_LABEL}=${SLICE_CONTROLLER}` }).items) {
      await deleteQuietly(endpointSlices, namespace, s.metadata.name!);
    }
  }

  const watches: WatchHandle[] = [
    api.watch(services, undefined, {}, (ev) => {
      if (ev.type === 'DELETED') svcs.delete(key(ev.object));
      else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') svcs.set(key(ev.object), ev.object);
      else return;
      // A Service that had a selector and lost it keeps what it has; one that never had one is not ours.
      if (ev.type === 'DELETED' || selectorOf(ev.object)) mark(key(ev.object));
    }),
    api.watch(pods, undefined, {}, (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
      const ns = ev.object.metadata.namespace ?? '';
      let byName = podsByNs.get(ns);
      const before = byName?.get(ev.object.metadata.name!);
      if (ev.type === 'DELETED') byName?.delete(ev.object.metadata.name!);
      else {
        if (!byName) podsByNs.set(ns, (byName = new Map()));
        byName.set(ev.object.metadata.name!, ev.object);
      }
      for (const k of new Set([...(before ? servicesSelecting(before) : []), ...servicesSelecting(ev.object)])) mark(k);
    }),
    // Someone else changed or removed what this controller keeps: put it back.
    api.watch(endpoints, undefined, {}, (ev) => {
      const k = key(ev.object);
      if ((ev.type === 'DELETED' || ev.type === 'MODIFIED') && svcs.has(k) && selectorOf(svcs.get(k)!)) mark(k);
    }),
    api.watch(endpointSlices, undefined, {}, (ev) => {
      const svc = ev.object.metadata.labels?.[SERVICE_NAME_LABEL];
      const k = `${ev.object.metadata.namespace}/${svc}`;
      if (svc && ev.type === 'DELETED' && svcs.has(k)) mark(k);
    }),
  ];

  return {
    async stop() {
      for (const w of watches) w.stop();
      await queue.stop();
    },
  };
}
