// Path grammar of the Kubernetes REST API, as pure functions: which resource, namespace, name and
// subresource a URL addresses. Kept free of I/O so every path shape is table-tested.

export interface ResourcePath {
  group: string; // "" for /api/v1
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type Route =
  | { kind: 'resource'; path: ResourcePath }
  | { kind: 'discovery'; path: string }
  | { kind: 'unknown' };

const UNKNOWN: Route = { kind: 'unknown' };

function decode(segment: string): string | undefined {
  if (segment === '') return undefined;
  if (segment.indexOf('%') === -1) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Segments after the group-version prefix: [namespaces, ns, plural, name, sub] or [plural, name, sub]. */
function resourceRoute(group: string, version: string, rest: string[]): Route {
  const parts: string[] = [];
  for (const segment of rest) {
    const decoded = decode(segment);
    if (decoded === undefined) return UNKNOWN;
    parts.push(decoded);
  }
  if (parts.length === 0) return { kind: 'discovery', path: group ? `/apis/${group}/${version}` : `/api/${version}` };
  // /namespaces/{ns}/{plural}... addresses namespaced content, but /namespaces/{name}/status and /finalize are
  // subresources of the Namespace itself.
  const namespaceSubresource = group === '' && parts.length === 3 && (parts[2] === 'status' || parts[2] === 'finalize');
  if (parts[0] === 'namespaces' && parts.length >= 3 && !namespaceSubresource) {
    if (parts.length > 5) return UNKNOWN;
    return { kind: 'resource', path: { group, version, namespace: parts[1], plural: parts[2], name: parts[3], subresource: parts[4] } };
  }
  if (parts.length > 3) return UNKNOWN;
  return { kind: 'resource', path: { group, version, plural: parts[0], name: parts[1], subresource: parts[2] } };
}

/** Parses a URL path (no query string). */
export function parsePath(pathname: string): Route {
  let path = pathname;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const segments = path.split('/'); // ['', 'api', 'v1', ...]
  if (segments[1] === 'api') {
    if (segments.length === 2) return { kind: 'discovery', path: '/api' };
    return resourceRoute('', segments[2], segments.slice(3));
  }
  if (segments[1] === 'apis') {
    if (segments.length === 2) return { kind: 'discovery', path: '/apis' };
    if (segments.length === 3) return { kind: 'discovery', path: `/apis/${segments[2]}` };
    return resourceRoute(segments[2], segments[3], segments.slice(4));
  }
  return { kind: 'discovery', path };
}
