// Generated invalid requests for /admission and /audit: every body here is one the webhook must refuse
// with a 4xx Status. Each category breaks a valid envelope in one way the issue names: bad JSON, wrong
// types, missing required fields (uid first), huge strings, deep nesting, unknown kinds, plus the media
// type and prototype-poisoning edges of the JSON parser.
import fc from 'fast-check';

export type Route = '/admission' | '/audit';
export interface FuzzRequest {
  route: Route;
  category: string;
  contentType: string;
  body: string;
}

export function validAdmission(): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'f0f0f0f0-0000-4000-8000-000000000001',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      name: 'fuzz',
      operation: 'CREATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
      object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'fuzz', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'nginx' }] } },
      dryRun: false,
    },
  };
}

export function validAudit(): Record<string, unknown> {
  return {
    kind: 'EventList',
    apiVersion: 'audit.k8s.io/v1',
    items: [{
      auditID: 'a1', stage: 'ResponseComplete', verb: 'create', user: { username: 'alice' },
      objectRef: { resource: 'pods', namespace: 'default', name: 'fuzz', apiVersion: 'v1' }, responseStatus: { code: 201 },
    }],
  };
}

/** The fields whose wrong type or absence the schema must catch, per route (paths into the valid body). */
const REQUIRED: Record<Route, string[][]> = {
  '/admission': [['apiVersion'], ['kind'], ['request'], ['request', 'uid'], ['request', 'operation'], ['request', 'resource'], ['request', 'resource', 'resource'], ['request', 'resource', 'group']],
  '/audit': [['apiVersion'], ['kind'], ['items'], ['items', '0', 'stage'], ['items', '0', 'verb']],
};
/** Typed fields: a value of another JSON type there is invalid (absence may be fine). */
const TYPED: Record<Route, Array<{ path: string[]; type: 'string' | 'object' | 'array' | 'boolean' | 'integer' }>> = {
  '/admission': [
    { path: ['apiVersion'], type: 'string' }, { path: ['kind'], type: 'string' }, { path: ['request'], type: 'object' },
    { path: ['request', 'uid'], type: 'string' }, { path: ['request', 'operation'], type: 'string' },
    { path: ['request', 'resource'], type: 'object' }, { path: ['request', 'name'], type: 'string' },
    { path: ['request', 'namespace'], type: 'string' }, { path: ['request', 'dryRun'], type: 'boolean' },
    { path: ['request', 'subResource'], type: 'string' },
  ],
  '/audit': [
    { path: ['apiVersion'], type: 'string' }, { path: ['kind'], type: 'string' }, { path: ['items'], type: 'array' },
    { path: ['items', '0'], type: 'object' }, { path: ['items', '0', 'stage'], type: 'string' }, { path: ['items', '0', 'verb'], type: 'string' },
    { path: ['items', '0', 'objectRef', 'name'], type: 'string' }, { path: ['items', '0', 'objectRef', 'namespace'], type: 'string' },
    { path: ['items', '0', 'responseStatus', 'code'], type: 'integer' }, { path: ['items', '0', 'user', 'username'], type: 'string' },
  ],
};

const valid = (route: Route) => (route === '/admission' ? validAdmission() : validAudit());

function setPath(obj: Record<string, unknown>, path: string[], value: unknown, remove = false): Record<string, unknown> {
  let at: Record<string, unknown> = obj;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = path[path.length - 1];
  if (remove) delete at[last];
  else at[last] = value;
  return obj;
}

const anyJson = fc.jsonValue({ maxDepth: 3 });
function wrongTypeValue(type: string): fc.Arbitrary<unknown> {
  const notIt = (v: unknown) => {
    if (type === 'array') return !Array.isArray(v);
    if (type === 'object') return v === null || typeof v !== 'object' || Array.isArray(v);
    if (type === 'integer') return !Number.isInteger(v);
    return typeof v !== type;
  };
  return anyJson.filter(notIt);
}

function deep(depth: number, style: 'array' | 'object'): string {
  return style === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export function fuzzRequest(): fc.Arbitrary<FuzzRequest> {
  const route = fc.constantFrom<Route>('/admission', '/audit');
  const json = (category: string, body: fc.Arbitrary<string>, r: fc.Arbitrary<Route> = route) =>
    fc.record({ route: r, category: fc.constant(category), contentType: fc.constant('application/json'), body });
  const byRoute = <T>(build: (r: Route) => fc.Arbitrary<T>) => route.chain((r) => build(r).map((x) => ({ r, x })));

  const badJson = fc.oneof(
    fc.string({ maxLength: 200 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }),
    fc.tuple(route, fc.nat()).map(([r, n]) => { const s = JSON.stringify(valid(r)); return s.slice(0, n % (s.length - 1)); }),
    fc.constantFrom('', '{', '{"kind":}', '[1,]', 'nul', '{"a":1}}', '\u0000', '{"kind":"AdmissionReview",}'),
  );
  const wrongType = byRoute((r) => fc.constantFrom(...TYPED[r]).chain((f) => wrongTypeValue(f.type).map((v) => setPath(valid(r), f.path, v))));
  const missing = byRoute((r) => fc.constantFrom(...REQUIRED[r]).map((p) => setPath(valid(r), p, undefined, true)));
  const unknownKind = byRoute((r) => fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.boolean()).map(([kind, apiVersion, both]) => {
    const body = valid(r);
    const want = r === '/admission' ? 'AdmissionReview' : 'EventList';
    body.kind = kind === want ? `${kind}X` : kind;
    if (both) body.apiVersion = apiVersion;
    return body;
  }));
  // Huge strings where the schema refuses them: in place of an object, or as the kind.
  const huge = byRoute((r) => fc.tuple(fc.integer({ min: 10_000, max: 600_000 }), fc.constantFrom('kind', 'container', 'apiVersion')).map(([n, where]) => {
    const s = 'x'.repeat(n);
    if (where === 'container') return setPath(valid(r), r === '/admission' ? ['request'] : ['items'], s);
    return setPath(valid(r), [where], s);
  }));
  // Deep nesting where an object or array of events must be: the parser must cope and the schema refuse.
  const deepNested = fc.tuple(route, fc.integer({ min: 100, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean()).map(([r, depth, style, whole]) => {
    const field = r === '/admission' ? 'request' : 'items';
    const inner = deep(depth, style === 'array' && field === 'items' ? 'object' : style);
    const body = whole ? inner : JSON.stringify(setPath(valid(r), [field], '__DEEP__')).replace('"__DEEP__"', inner);
    return { r, body };
  });
  const poisoned = byRoute((r) => fc.constantFrom('__proto__', 'constructor').map((key) => {
    const s = JSON.stringify(valid(r));
    return key === '__proto__' ? `{"__proto__":{"polluted":true},${s.slice(1)}` : `{"constructor":{"prototype":{"polluted":true}},${s.slice(1)}`;
  }));

  return fc.oneof(
    json('bad-json', badJson),
    wrongType.map(({ r, x }) => ({ route: r, category: 'wrong-type', contentType: 'application/json', body: JSON.stringify(x) })),
    missing.map(({ r, x }) => ({ route: r, category: 'missing-field', contentType: 'application/json', body: JSON.stringify(x) })),
    unknownKind.map(({ r, x }) => ({ route: r, category: 'unknown-kind', contentType: 'application/json', body: JSON.stringify(x) })),
    { weight: 1, arbitrary: huge.map(({ r, x }) => ({ route: r, category: 'huge-string', contentType: 'application/json', body: JSON.stringify(x) })) },
    deepNested.map(({ r, body }) => ({ route: r, category: 'deep-nesting', contentType: 'application/json', body })),
    poisoned.map(({ r, x }) => ({ route: r, category: 'prototype-poisoning', contentType: 'application/json', body: x })),
    fc.record({ route, category: fc.constant('media-type'), contentType: fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/yaml'), body: route.map((r) => JSON.stringify(valid(r))) }),
  );
}

/** Bodies above the route's limit: 413, not a crash or a hung socket. */
export function oversized(route: Route, limitBytes: number): FuzzRequest {
  return { route, category: 'over-limit', contentType: 'application/json', body: `{"kind":"${'x'.repeat(limitBytes + 10)}"}` };
}
