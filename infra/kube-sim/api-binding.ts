// POST pods/{name}/binding, as the scheduler uses it (k8s pkg/registry/core/pod/storage BindingREST): sets
// spec.nodeName once, marks PodScheduled, and answers a Status rather than the pod. The Binding's own
// metadata.uid and metadata.resourceVersion are preconditions on the pod (setPodHostAndAnnotations), which
// lets one binder of several win exclusively.
import { conflict, invalid } from './errors.js';
import { admitMutate, admitValidate, mustGet, timestamp, type ApiContext } from './api-context.js';
import { pods } from './resources.js';
import type { KubeObject, WriteOptions } from './types.js';

type Obj = Record<string, any>;

export async function bindPod(ctx: ApiContext, namespace: string, name: string, body: KubeObject, wo: WriteOptions): Promise<KubeObject> {
  const binding = structuredClone(body ?? {}) as Obj;
  binding.apiVersion ??= 'v1';
  binding.kind ??= 'Binding';
  binding.metadata = { ...(binding.metadata ?? {}), name: binding.metadata?.name ?? name, namespace };
  const target = (binding.target ?? {}) as Obj;
  if (!target.name) throw invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  if (target.kind && target.kind !== 'Node') {
    throw invalid('Binding', '', name, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: ${JSON.stringify(target.kind)}: supported values: "Node", "<empty>"` }]);
  }
  mustGet(ctx, pods, namespace, name);
  const req = { operation: 'CREATE' as const, resource: pods, subresource: 'binding', namespace, name, object: binding as KubeObject, opts: wo };
  await admitMutate(ctx, req);
  await admitValidate(ctx, req);

  const stored = mustGet(ctx, pods, namespace, name);
  const spec = (stored.spec ?? {}) as Obj;
  if (stored.metadata.deletionTimestamp) throw conflict('pods/binding', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  const wantUid = binding.metadata.uid as string | undefined;
  const wantRv = binding.metadata.resourceVersion as string | undefined;
  if (wantUid && wantUid !== stored.metadata.uid) throw conflict('pods', '', name, `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${stored.metadata.uid}`);
  if (wantRv && wantRv !== stored.metadata.resourceVersion) throw conflict('pods', '', name, `Precondition failed: ResourceVersion in precondition: ${wantRv}, ResourceVersion in object meta: ${stored.metadata.resourceVersion}`);
  if (spec.nodeName) throw conflict('pods/binding', '', name, `pod ${name} is already assigned to node ${JSON.stringify(spec.nodeName)}`);

  const next = structuredClone(stored) as KubeObject;
  (next.spec as Obj).nodeName = target.name;
  const annotations = binding.metadata.annotations as Record<string, string> | undefined;
  if (annotations && Object.keys(annotations).length) next.metadata.annotations = { ...next.metadata.annotations, ...annotations };
  const status = (next.status ?? (next.status = {})) as Obj;
  const conditions = ((status.conditions ?? []) as Obj[]).filter((c) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(ctx.now()) });
  status.conditions = conditions;
  if (!wo.dryRun) ctx.store.commit('MODIFIED', pods, next, stored);
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
}
