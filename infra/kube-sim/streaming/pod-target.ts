// Which pod and container a streaming request addresses, with kube-apiserver's checks and messages
// (k8s pkg/registry/core/pod/strategy.go: getPod, validateContainer, the "does not have a host" refusal).
import { badRequest, notFound } from '../errors.js';
import { pods } from '../resources.js';
import type { Api, KubeObject } from '../types.js';

type Obj = Record<string, any>;

export function getPod(api: Api, namespace: string, name: string): KubeObject {
  try {
    return api.get(pods, namespace, name);
  } catch {
    throw notFound('pods', '', name);
  }
}

/** Init, regular, then ephemeral container names: the order VisitContainers walks them. */
export function containerNames(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as Obj;
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: Obj) => c.name);
}

/** The container a request means: the named one if the pod has it, else the only regular container. */
export function resolveContainer(pod: KubeObject, container: string | null | undefined): string {
  const name = pod.metadata.name;
  const regular = (((pod.spec ?? {}) as Obj).containers ?? []) as Obj[];
  if (!container) {
    if (regular.length === 1) return regular[0]!.name;
    if (regular.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`);
  }
  if (!containerNames(pod).includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

export function requireNode(pod: KubeObject): string {
  const node = ((pod.spec ?? {}) as Obj).nodeName as string | undefined;
  if (!node) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return node;
}
