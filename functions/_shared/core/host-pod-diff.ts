import type { V1Container, V1EphemeralContainer, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { MANAGED_ANNOTATIONS_ANNOTATION, MANAGED_LABELS_ANNOTATION } from './provenance.js';
import { semanticEqual } from './translate-status.js';

// What may change on a live host pod (facts 4.3; the API server refuses other spec changes with "pod
// updates may not change fields other than ..."): labels, annotations, container and init container
// images, activeDeadlineSeconds, tolerations (additions only), schedulingGates (removals only), and
// ephemeral containers (additions only, through the pods/ephemeralcontainers subresource).
// The patch is RFC 6902 JSON patch: it addresses list items by index, so it never depends on
// strategic-merge semantics, and it touches nothing else.

export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export type HostPodDiff = {
  /** Human-readable paths of what differs, e.g. `spec.containers[web].image`. */
  changes: string[];
  /** JSON patch for the host pod itself (empty when only ephemeral containers are missing). */
  patch: JsonPatchOp[];
  /** Ephemeral containers the host lacks, to append through the ephemeralcontainers subresource. */
  ephemeralContainersToAdd: V1EphemeralContainer[];
};

const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function diffMap(
  path: 'labels' | 'annotations',
  desired: Record<string, string> | undefined,
  observed: Record<string, string> | undefined,
  previouslyManaged: string[],
  out: HostPodDiff,
): void {
  const want = desired ?? {};
  const have = observed ?? {};
  const ops: JsonPatchOp[] = [];
  for (const [k, v] of Object.entries(want)) {
    if (have[k] !== v) ops.push({ op: 'add', path: `/metadata/${path}/${escape(k)}`, value: v });
  }
  for (const k of previouslyManaged) {
    if (k !== '' && !(k in want) && k in have) ops.push({ op: 'remove', path: `/metadata/${path}/${escape(k)}` });
  }
  if (ops.length === 0) return;
  if (observed === undefined) out.patch.push({ op: 'add', path: `/metadata/${path}`, value: {} });
  out.patch.push(...ops);
  out.changes.push(`metadata.${path}`);
}

function diffImages(kind: 'containers' | 'initContainers', desired: V1Container[] | undefined, observed: V1Container[] | undefined, out: HostPodDiff): void {
  for (const d of desired ?? []) {
    const i = (observed ?? []).findIndex((o) => o.name === d.name);
    if (i < 0 || observed![i].image === d.image) continue;
    out.patch.push({ op: 'replace', path: `/spec/${kind}/${i}/image`, value: d.image });
    out.changes.push(`spec.${kind}[${d.name}].image`);
  }
}

/** The changes that bring the observed host pod to the desired one; undefined when nothing differs. */
export function hostPodDiff(desired: V1Pod, observed: V1Pod): HostPodDiff | undefined {
  const out: HostPodDiff = { changes: [], patch: [], ephemeralContainersToAdd: [] };
  const oAnn = observed.metadata?.annotations ?? {};
  const managed = (key: string) => (oAnn[key] ?? '').split('\n');
  diffMap('labels', desired.metadata?.labels, observed.metadata?.labels, managed(MANAGED_LABELS_ANNOTATION), out);
  diffMap('annotations', desired.metadata?.annotations, observed.metadata?.annotations, managed(MANAGED_ANNOTATIONS_ANNOTATION), out);

  const dSpec = desired.spec;
  const oSpec = observed.spec;
  diffImages('containers', dSpec?.containers, oSpec?.containers, out);
  diffImages('initContainers', dSpec?.initContainers, oSpec?.initContainers, out);

  if (dSpec?.activeDeadlineSeconds !== undefined && dSpec.activeDeadlineSeconds !== oSpec?.activeDeadlineSeconds) {
    out.patch.push({ op: 'add', path: '/spec/activeDeadlineSeconds', value: dSpec.activeDeadlineSeconds });
    out.changes.push('spec.activeDeadlineSeconds');
  }

  const have: V1Toleration[] = oSpec?.tolerations ?? [];
  const missing = (dSpec?.tolerations ?? []).filter((t) => !have.some((h) => semanticEqual(h, t)));
  if (missing.length > 0) {
    out.patch.push({ op: 'add', path: '/spec/tolerations', value: [...have, ...missing] });
    out.changes.push('spec.tolerations');
  }

  const wantGates = new Set((dSpec?.schedulingGates ?? []).map((g) => g.name));
  const haveGates = oSpec?.schedulingGates ?? [];
  if (haveGates.some((g) => !wantGates.has(g.name))) {
    out.patch.push({ op: 'add', path: '/spec/schedulingGates', value: haveGates.filter((g) => wantGates.has(g.name)) });
    out.changes.push('spec.schedulingGates');
  }

  const haveEphemeral = new Set((oSpec?.ephemeralContainers ?? []).map((c) => c.name));
  out.ephemeralContainersToAdd = (dSpec?.ephemeralContainers ?? []).filter((c) => !haveEphemeral.has(c.name));
  if (out.ephemeralContainersToAdd.length > 0) out.changes.push('spec.ephemeralContainers');

  return out.changes.length > 0 ? out : undefined;
}
