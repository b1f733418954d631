import t from 'tap';
import { applyPodAdmissionDefaults, applyPodSchemeDefaults, defaultPullPolicy, qosClass, randomSuffix } from '../../infra/kube-sim/pod-defaults.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

t.test('when an image reference is defaulted, then the pull policy follows the tag rule', async (t) => {
  const cases: Array<[string | undefined, string]> = [
    ['nginx', 'Always'], ['nginx:latest', 'Always'], ['nginx:1.27', 'IfNotPresent'], ['registry:5000/nginx', 'Always'],
    ['registry:5000/nginx:1', 'IfNotPresent'], ['nginx@sha256:abc', 'IfNotPresent'], [undefined, 'IfNotPresent'],
  ];
  for (const [image, policy] of cases) t.equal(defaultPullPolicy(image), policy, String(image));
});

t.test('when QoS is computed, then Guaranteed, Burstable and BestEffort follow requests and limits', async (t) => {
  const c = (resources?: Record<string, unknown>) => ({ name: 'c', image: 'x', resources });
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['none', { containers: [c()] }, 'BestEffort'],
    ['only ephemeral-storage', { containers: [c({ requests: { 'ephemeral-storage': '1Gi' } })] }, 'BestEffort'],
    ['equal', { containers: [c({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })] }, 'Guaranteed'],
    ['limits only', { containers: [c({ limits: { cpu: '1', memory: '1Gi' } })] }, 'Guaranteed'],
    ['cpu only', { containers: [c({ limits: { cpu: '1' } })] }, 'Burstable'],
    ['one of two', { containers: [c({ limits: { cpu: '1', memory: '1Gi' } }), c()] }, 'Burstable'],
    ['request below limit', { containers: [c({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })] }, 'Burstable'],
  ];
  for (const [what, spec, expected] of cases) t.equal(qosClass(spec), expected, what);
});

t.test('when defaults run twice, then nothing is added twice (safe after a mutating webhook)', async (t) => {
  const pod: KubeObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }], volumes: [{ name: 'cfg', configMap: { name: 'c' } }] } };
  applyPodSchemeDefaults(pod);
  applyPodAdmissionDefaults(pod, undefined, () => 0.5);
  const once = structuredClone(pod);
  applyPodSchemeDefaults(pod);
  applyPodAdmissionDefaults(pod, undefined, () => 0.1);
  t.same(pod, once);
  const spec = pod.spec as any;
  t.equal(spec.containers[0].ports[0].protocol, 'TCP');
  t.equal(spec.volumes[0].configMap.defaultMode, 420);
  t.equal(spec.volumes.length, 2);
});

t.test('when the service account opts out of automount, then no token volume is added unless the pod opts in', async (t) => {
  const sa: KubeObject = { metadata: { name: 'default' }, automountServiceAccountToken: false };
  const optedOut: KubeObject = { metadata: {}, spec: { containers: [{ name: 'c', image: 'x' }] } };
  applyPodAdmissionDefaults(optedOut, sa);
  t.equal((optedOut.spec as any).volumes, undefined);
  const optedIn: KubeObject = { metadata: {}, spec: { automountServiceAccountToken: true, containers: [{ name: 'c', image: 'x' }] } };
  applyPodAdmissionDefaults(optedIn, sa);
  t.equal((optedIn.spec as any).volumes.length, 1);
  const tolerant: KubeObject = { metadata: {}, spec: { containers: [], tolerations: [{ operator: 'Exists' }] } };
  applyPodAdmissionDefaults(tolerant, undefined);
  t.same((tolerant.spec as any).tolerations, [{ operator: 'Exists' }], 'a pod tolerating everything gets no defaults');
  t.equal(randomSuffix(5, () => 0), 'bbbbb');
});
