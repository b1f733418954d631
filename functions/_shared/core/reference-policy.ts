// References no translation makes safe, refused as part of the pod policy (webhook and worker alike).
// pod-references.ts translates every name that points into the pod's own namespace; what is left here
// points across namespaces or at cluster-wide host objects (a PersistentVolume by name or selector), or at
// a data source kind podferry cannot vouch for.
import { claimDataSourceKind } from './pod-references.js';
import type { PolicyViolation } from './policy.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';
const KNOWN_SOURCES = 'PersistentVolumeClaim or VolumeSnapshot (snapshot.storage.k8s.io)';

function violation(field: string, message: string): PolicyViolation {
  return { rule: 'references', field, message };
}

/** Every reference in the spec that cannot be translated safely; total over any input. */
export function referenceViolations(spec: unknown): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  if (!isObj(spec) || !Array.isArray(spec.volumes)) return out;
  spec.volumes.forEach((volume, i) => {
    if (!isObj(volume) || !isObj(volume.ephemeral)) return;
    const template = volume.ephemeral.volumeClaimTemplate;
    const claim = isObj(template) && isObj(template.spec) ? template.spec : undefined;
    if (claim) out.push(...claimSpecViolations(claim, `spec.volumes[${i}].ephemeral.volumeClaimTemplate.spec`, `volume "${String(volume.name)}"`));
  });
  return out;
}

/**
 * What a claim's spec may not ask of the host, wherever the claim comes from: an ephemeral volume's template
 * (`base` is its path in the pod) or a PersistentVolumeClaim synced on its own (`base` is `spec`). `what`
 * names it in the message (`volume "data"`, `claim "data"`). Total over any input.
 */
export function claimSpecViolations(claim: unknown, base: string, what: string): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  if (!isObj(claim)) return out;
  if (claim.volumeName !== undefined && claim.volumeName !== '') {
    out.push(violation(`${base}.volumeName`, `${base}.volumeName is set (${what}): ${SHARED} may not bind a claim to a persistent volume by name; remove volumeName and let the storage class provision one`));
  }
  if (claim.selector !== undefined && claim.selector !== null) {
    out.push(violation(`${base}.selector`, `${base}.selector is set (${what}): ${SHARED} may not select the host's persistent volumes by label; remove selector and let the storage class provision one`));
  }
  for (const key of ['dataSource', 'dataSourceRef'] as const) {
    const source = claim[key];
    if (source === undefined || source === null) continue;
    const field = `${base}.${key}`;
    if (!isObj(source)) {
      out.push(violation(field, `${field} is not an object`));
      continue;
    }
    if (source.namespace !== undefined && source.namespace !== '') {
      out.push(violation(`${field}.namespace`, `${field}.namespace is set (${what}): ${SHARED} may only restore from objects in the pod's own namespace; remove namespace`));
    } else if (!claimDataSourceKind({ apiGroup: typeof source.apiGroup === 'string' ? source.apiGroup : undefined, kind: typeof source.kind === 'string' ? source.kind : undefined })) {
      out.push(violation(field, `${field} names a ${String(source.kind)} (${what}): podferry can only translate data sources of kind ${KNOWN_SOURCES}; use one of those`));
    }
  }
  return out;
}
