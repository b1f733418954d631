// DeleteOptions.propagationPolicy as the generic store applies it (deletionFinalizersForGarbageCollection):
// Foreground adds the foregroundDeletion finalizer and Orphan the orphan finalizer, which the garbage
// collector then works off; Background adds neither. Without an explicit policy a finalizer already on the
// object decides, else the type's default: batch/v1 Jobs orphan their pods, with the real server's warning.
import type { DeleteOptions, KubeObject, ResourceType } from './types.js';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

const JOB_ORPHAN_WARNING = 'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning';

/** batch/v1 Jobs default to OrphanDependents for backwards compatibility; everything else deletes them. */
function orphansByDefault(resource: ResourceType): boolean {
  return resource.group === 'batch' && resource.plural === 'jobs';
}

/** The finalizers the object carries once this delete is accepted. Appends a warning for Jobs when no policy was given. */
export function finalizersForDelete(resource: ResourceType, stored: KubeObject, del: DeleteOptions, warnings?: string[]): string[] {
  const current = stored.metadata.finalizers ?? [];
  let orphan = false;
  let foreground = false;
  if (del.orphanDependents !== undefined) orphan = del.orphanDependents;
  else if (del.propagationPolicy) {
    orphan = del.propagationPolicy === 'Orphan';
    foreground = del.propagationPolicy === 'Foreground';
  } else if (current.includes(ORPHAN_FINALIZER)) orphan = true;
  else if (current.includes(FOREGROUND_FINALIZER)) foreground = true;
  else orphan = orphansByDefault(resource);
  if (orphansByDefault(resource) && del.propagationPolicy === undefined && del.orphanDependents === undefined) warnings?.push(JOB_ORPHAN_WARNING);
  const next = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (orphan) next.push(ORPHAN_FINALIZER);
  if (foreground) next.push(FOREGROUND_FINALIZER);
  return next;
}
