// Ordering two resourceVersions of the same resource type. The API contract long said they are opaque; since
// Kubernetes 1.35 (KEP-5504, "comparable resource versions", GA) they are decimal integers without leading
// zeros that grow with every write, and client-go compares them that way. A server that does not keep that
// rule (an RV that is not such an integer) gets `incomparable`, and callers fall back to arrival order.
// The same rule is written in Lua in queue/host-pod-state.ts, so Redis orders exactly as this does.

export type RvOrder = 'older' | 'same' | 'newer' | 'incomparable';

const COMPARABLE = /^(0|[1-9][0-9]*)$/;

export function isComparableResourceVersion(rv: string | undefined): rv is string {
  return rv !== undefined && COMPARABLE.test(rv);
}

/** Where `candidate` stands relative to `current`: 'newer' means candidate was written later. */
export function compareResourceVersions(candidate: string | undefined, current: string | undefined): RvOrder {
  if (candidate !== undefined && candidate === current) return 'same';
  if (!isComparableResourceVersion(candidate) || !isComparableResourceVersion(current)) return 'incomparable';
  // Same digits count: string order is numeric order; no BigInt needed for etcd's 64-bit revisions.
  if (candidate.length !== current.length) return candidate.length > current.length ? 'newer' : 'older';
  return candidate > current ? 'newer' : 'older';
}

/**
 * Whether a snapshot at `candidate` may replace one at `current` in a cache fed by one ordered stream: never
 * an older one, never the same one again; when the two cannot be ordered, the later arrival wins.
 */
export function supersedes(candidate: string | undefined, current: string | undefined): boolean {
  if (current === undefined) return true;
  const order = compareResourceVersions(candidate, current);
  return order === 'newer' || order === 'incomparable';
}
