import { Fields, type Obj } from './read.js';

// What every check looks at, read once: the containers in pod-security-admission's visit order
// (initContainers, containers, ephemeralContainers: psa policy/visitor.go), each with its path, and the
// two pod-wide switches upstream relaxes checks for.

export const CONTAINER_KINDS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

export interface ContainerView {
  /** `spec.containers[1]` */
  path: string;
  container: Obj;
  name: string;
  /** The container's securityContext, when it is an object. */
  securityContext: Obj | undefined;
}

export interface PodView {
  spec: Obj;
  /** metadata, when it is an object (annotations are read from it). */
  metadata: Obj | undefined;
  /** spec.securityContext, when it is an object. */
  securityContext: Obj | undefined;
  containers: ContainerView[];
  /** `spec.os.name: windows`: upstream (v1.25+) lets restricted skip the checks API validation already forbids for Windows. */
  windows: boolean;
  /** `spec.hostUsers: false` (a user namespace): upstream (v1.35+) relaxes procMount (baseline), runAsNonRoot and runAsUser. */
  userNamespace: boolean;
}

export function podView(pod: Obj, spec: Obj, read: Fields): PodView {
  const containers: ContainerView[] = [];
  for (const kind of CONTAINER_KINDS) {
    for (const { item, path } of read.objects(spec, kind, 'spec')) {
      containers.push({
        path,
        container: item,
        name: read.str(item, 'name', path) ?? '',
        securityContext: read.obj(item, 'securityContext', path),
      });
    }
  }
  const os = read.obj(spec, 'os', 'spec');
  return {
    spec,
    metadata: read.obj(pod, 'metadata', ''),
    securityContext: read.obj(spec, 'securityContext', 'spec'),
    containers,
    windows: read.str(os, 'name', 'spec.os') === 'windows',
    userNamespace: read.bool(spec, 'hostUsers', 'spec') === false,
  };
}
