// podReferences: which objects a pod names, and whether it can start without each (optional everywhere).
import t from 'tap';
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { podReferences } from '../../functions/_shared/core/pod-references.js';

const pod = (spec: Partial<V1PodSpec>): V1Pod => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'app', image: 'x' }], ...spec } });
const app = (c: Record<string, unknown>) => ({ containers: [{ name: 'app', image: 'x', ...c }] });

const cases: Array<[string, Partial<V1PodSpec>, string[]]> = [
  ['a configMap volume is required', { volumes: [{ name: 'v', configMap: { name: 'cm' } }] }, ['configMap/cm required']],
  ['an optional configMap volume is not', { volumes: [{ name: 'v', configMap: { name: 'cm', optional: true } }] }, ['configMap/cm optional']],
  ['an optional secret volume is not', { volumes: [{ name: 'v', secret: { secretName: 's', optional: true } }] }, ['secret/s optional']],
  ['projected sources carry their own optional', { volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'a', optional: true } }, { secret: { name: 'b' } }] } }] }, ['configMap/a optional', 'secret/b required']],
  ['env key refs', app({ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } }, { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }), ['configMap/cm optional', 'secret/s required']],
  ['envFrom', app({ envFrom: [{ secretRef: { name: 's', optional: true } }, { configMapRef: { name: 'cm' } }] }), ['secret/s optional', 'configMap/cm required']],
  ['required once is required', { volumes: [{ name: 'v', configMap: { name: 'cm', optional: true } }], ...app({ envFrom: [{ configMapRef: { name: 'cm' } }] }) }, ['configMap/cm required']],
  ['an image pull secret has no optional: required', { imagePullSecrets: [{ name: 'reg' }] }, ['secret/reg required']],
];

for (const [name, spec, want] of cases) {
  t.test(name, async (t) => {
    t.same(podReferences(pod(spec)).map((r) => `${r.kind}/${r.name} ${r.required ? 'required' : 'optional'}`), want);
  });
}
