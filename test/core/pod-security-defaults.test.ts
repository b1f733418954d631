import t from 'tap';
import { MALFORMED, POD_POLICY_RULES, POLICY_EXCEPTIONS, evaluatePodPolicy, parsePodPolicy } from '../../functions/_shared/core/policy.js';
import { applyPodAdmissionDefaults, applyPodSchemeDefaults } from '../../infra/kube-sim/pod-defaults.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

// What the policy makes of the pods the simulator's API server stores (scheme defaulting plus the
// ServiceAccount, Priority and DefaultTolerationSeconds admission plugins, as a real one does), and the
// registry the README table is built from.

function admitted(spec: Record<string, unknown>): KubeObject {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec };
  applyPodSchemeDefaults(pod);
  applyPodAdmissionDefaults(pod, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, () => 0.5);
  return pod;
}

const plain = () => admitted({ containers: [{ name: 'app', image: 'nginx' }] });

t.test('when the simulator has defaulted a plain pod, then it carries the token volume and default tolerations and baseline allows it', async (t) => {
  const pod = plain();
  const spec = pod.spec as { volumes: Array<{ projected?: unknown }>; tolerations: Array<{ key: string; operator: string; effect: string; tolerationSeconds: number }> };
  t.ok(spec.volumes.some((v) => v.projected), 'the service-account token projected volume');
  t.same(spec.tolerations.map((x) => [x.key, x.operator, x.effect, x.tolerationSeconds]), [
    ['node.kubernetes.io/not-ready', 'Exists', 'NoExecute', 300], ['node.kubernetes.io/unreachable', 'Exists', 'NoExecute', 300],
  ]);
  t.same(evaluatePodPolicy(pod, parsePodPolicy({})), { allowed: true });
});

t.test('when the simulator has defaulted a plain pod, then restricted denies exactly what the pod author must add', async (t) => {
  // Expected: the simulator, like a real API server, sets no securityContext fields, and podferry does not
  // mutate pods; a tenant under restricted writes restricted pods, as under Pod Security Admission.
  const verdict = evaluatePodPolicy(plain(), parsePodPolicy({ level: 'restricted' }));
  t.same(verdict.allowed ? [] : verdict.violations.map((v) => [v.rule, v.field]), [
    ['capabilities', 'spec.containers[0].securityContext.capabilities.drop'],
    ['seccomp', 'spec.containers[0].securityContext.seccompProfile'],
    ['allowPrivilegeEscalation', 'spec.containers[0].securityContext.allowPrivilegeEscalation'],
    ['runAsNonRoot', 'spec.containers[0].securityContext.runAsNonRoot'],
  ]);
});

t.test('when a pod written for restricted has been defaulted by the simulator, then restricted allows it', async (t) => {
  const pod = admitted({
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'app', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
  });
  t.same(evaluatePodPolicy(pod, parsePodPolicy({ level: 'restricted' })), { allowed: true });
});

const UPSTREAM = [
  'appArmorProfile', 'capabilities_baseline', 'hostNamespaces', 'hostPathVolumes', 'hostPorts', 'hostProbesAndHostLifecycle', 'privileged',
  'procMount', 'seLinuxOptions', 'seccompProfile_baseline', 'sysctls', 'windowsHostProcess',
  'allowPrivilegeEscalation', 'capabilities_restricted', 'procMount_restricted', 'restrictedVolumes', 'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted',
];

t.test('when the rules are listed, then each has one name, a known origin and one line, and every upstream check is covered', async (t) => {
  t.same(POD_POLICY_RULES.map((r) => r.name), POLICY_EXCEPTIONS);
  t.equal(new Set(POLICY_EXCEPTIONS).size, POLICY_EXCEPTIONS.length, 'names are unique');
  t.same(POLICY_EXCEPTIONS.slice(0, 6), ['hostNetwork', 'hostPID', 'hostIPC', 'privileged', 'hostPath', 'hostPorts'], "today's names come first");
  for (const r of POD_POLICY_RULES) {
    t.ok(['host', 'baseline', 'restricted'].includes(r.origin), `${r.name}: origin ${r.origin}`);
    t.match(r.summary, /^\S.*\.$/, `${r.name}: one sentence`);
    t.notMatch(r.summary, /\n/);
    for (const id of r.upstream) t.ok(UPSTREAM.includes(id), `${r.name}: ${id} is an upstream check`);
    if (r.origin === 'host') t.ok(r.name !== MALFORMED);
  }
  for (const id of UPSTREAM) t.ok(POD_POLICY_RULES.some((r) => r.upstream.includes(id)), `${id} is implemented`);
});

t.test('when POD_POLICY names every rule, then it parses; malformed and unknown names throw', async (t) => {
  t.same(parsePodPolicy({ exceptions: POLICY_EXCEPTIONS.join(',') }).exceptions, [...POLICY_EXCEPTIONS].sort());
  t.throws(() => parsePodPolicy({ exceptions: 'hostPath,malformed' }), { message: /^pod policy exception "malformed" cannot be lifted/ });
  t.throws(() => parsePodPolicy({ exceptions: 'seccompProfile' }), { message: `unknown pod policy exception "seccompProfile"; expected a comma list of ${POLICY_EXCEPTIONS.join(', ')} (or none)` });
  t.throws(() => parsePodPolicy({ level: 'privileged' }), { message: 'unknown pod security level "privileged"; expected baseline or restricted' });
  t.same(parsePodPolicy({ level: ' restricted ', csiDrivers: ' b, a ,a' }), { level: 'restricted', exceptions: [], csiDrivers: ['a', 'b'] });
});
