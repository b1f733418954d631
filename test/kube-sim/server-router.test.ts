import t from 'tap';
import { parsePath } from '../../infra/kube-sim/router.js';

t.test('when a path is parsed, then resource, namespace, name and subresource come out as the real server routes them', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['/api', { kind: 'discovery', path: '/api' }],
    ['/apis', { kind: 'discovery', path: '/apis' }],
    ['/api/v1', { kind: 'discovery', path: '/api/v1' }],
    ['/api/v1/', { kind: 'discovery', path: '/api/v1' }],
    ['/apis/admissionregistration.k8s.io', { kind: 'discovery', path: '/apis/admissionregistration.k8s.io' }],
    ['/apis/admissionregistration.k8s.io/v1', { kind: 'discovery', path: '/apis/admissionregistration.k8s.io/v1' }],
    ['/api/v1/pods', { kind: 'resource', path: { group: '', version: 'v1', plural: 'pods', name: undefined, subresource: undefined } }],
    ['/api/v1/namespaces', { kind: 'resource', path: { group: '', version: 'v1', plural: 'namespaces', name: undefined, subresource: undefined } }],
    ['/api/v1/namespaces/default', { kind: 'resource', path: { group: '', version: 'v1', plural: 'namespaces', name: 'default', subresource: undefined } }],
    ['/api/v1/namespaces/team/status', { kind: 'resource', path: { group: '', version: 'v1', plural: 'namespaces', name: 'team', subresource: 'status' } }],
    ['/api/v1/namespaces/team/finalize', { kind: 'resource', path: { group: '', version: 'v1', plural: 'namespaces', name: 'team', subresource: 'finalize' } }],
    ['/api/v1/namespaces/team/pods', { kind: 'resource', path: { group: '', version: 'v1', namespace: 'team', plural: 'pods', name: undefined, subresource: undefined } }],
    ['/api/v1/namespaces/team/pods/web', { kind: 'resource', path: { group: '', version: 'v1', namespace: 'team', plural: 'pods', name: 'web', subresource: undefined } }],
    ['/api/v1/namespaces/team/pods/web/binding', { kind: 'resource', path: { group: '', version: 'v1', namespace: 'team', plural: 'pods', name: 'web', subresource: 'binding' } }],
    ['/api/v1/nodes/n1/status', { kind: 'resource', path: { group: '', version: 'v1', plural: 'nodes', name: 'n1', subresource: 'status' } }],
    ['/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/podferry', {
      kind: 'resource', path: { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', name: 'podferry', subresource: undefined },
    }],
    ['/api/v1/namespaces/team/configmaps/a%20b', { kind: 'resource', path: { group: '', version: 'v1', namespace: 'team', plural: 'configmaps', name: 'a b', subresource: undefined } }],
    ['/api/v1/namespaces/team/pods/web/status/extra', { kind: 'unknown' }],
    ['/api/v1/pods/a/b/c', { kind: 'unknown' }],
    ['/api/v1/namespaces//pods', { kind: 'unknown' }],
    ['/api/v1/namespaces/team/configmaps/%zz', { kind: 'unknown' }],
    ['/openapi/v3', { kind: 'discovery', path: '/openapi/v3' }],
  ];
  for (const [path, want] of cases) t.match(parsePath(path), want, path);
  t.equal((parsePath('/api/v1/namespaces/team/pods') as { path: { namespace?: string } }).path.namespace, 'team');
  t.equal((parsePath('/api/v1/pods') as { path: { namespace?: string } }).path.namespace, undefined);
});
