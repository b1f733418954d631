import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_POD_POLICY, evaluatePodPolicy, parsePodPolicy } from '../../functions/_shared/core/policy.js';

const pod = (spec: Partial<NonNullable<V1Pod['spec']>>): V1Pod => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec } });
const SHARED = 'pods in this virtual cluster run in a shared host namespace and';

const denials: Array<{ when: string; pod: V1Pod; field: string; reason: string; rule: string }> = [
  { when: 'hostNetwork is true', pod: pod({ hostNetwork: true }), rule: 'hostNetwork', field: 'spec.hostNetwork',
    reason: `spec.hostNetwork is true: ${SHARED} may not use the host's network; remove hostNetwork` },
  { when: 'hostPID is true', pod: pod({ hostPID: true }), rule: 'hostPID', field: 'spec.hostPID',
    reason: `spec.hostPID is true: ${SHARED} may not see the host's processes; remove hostPID` },
  { when: 'hostIPC is true', pod: pod({ hostIPC: true }), rule: 'hostIPC', field: 'spec.hostIPC',
    reason: `spec.hostIPC is true: ${SHARED} may not share the host's IPC namespace; remove hostIPC` },
  { when: 'the second volume is a hostPath', pod: pod({ volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'logs', hostPath: { path: '/var/log' } }] }), rule: 'hostPath', field: 'spec.volumes[1].hostPath',
    reason: `spec.volumes[1].hostPath is set (volume "logs", path "/var/log"): ${SHARED} may not mount directories of the host's nodes; use an emptyDir, configMap, secret or persistentVolumeClaim volume instead` },
  { when: 'the second container is privileged', pod: pod({ containers: [{ name: 'app' }, { name: 'sidecar', securityContext: { privileged: true } }] }), rule: 'privileged', field: 'spec.containers[1].securityContext.privileged',
    reason: `spec.containers[1].securityContext.privileged is true (container "sidecar"): ${SHARED} may not run privileged containers on the host's nodes; remove privileged or set it to false` },
  { when: 'an init container is privileged', pod: pod({ initContainers: [{ name: 'setup', securityContext: { privileged: true } }] }), rule: 'privileged', field: 'spec.initContainers[0].securityContext.privileged',
    reason: `spec.initContainers[0].securityContext.privileged is true (container "setup"): ${SHARED} may not run privileged containers on the host's nodes; remove privileged or set it to false` },
  { when: 'an ephemeral container is privileged', pod: pod({ ephemeralContainers: [{ name: 'debugger', securityContext: { privileged: true } }] }), rule: 'privileged', field: 'spec.ephemeralContainers[0].securityContext.privileged',
    reason: `spec.ephemeralContainers[0].securityContext.privileged is true (container "debugger"): ${SHARED} may not run privileged containers on the host's nodes; remove privileged or set it to false` },
  { when: 'a container binds a host port', pod: pod({ containers: [{ name: 'web', ports: [{ containerPort: 80 }, { containerPort: 443, hostPort: 8443 }] }] }), rule: 'hostPorts', field: 'spec.containers[0].ports[1].hostPort',
    reason: `spec.containers[0].ports[1].hostPort is 8443 (container "web"): ${SHARED} may not bind ports on the host's nodes; remove hostPort and expose the port through a Service` },
];

for (const c of denials) {
  t.test(`when ${c.when}, then the default policy denies it with an actionable reason and the field`, async (t) => {
    t.same(evaluatePodPolicy(c.pod, DEFAULT_POD_POLICY), { allowed: false, violations: [{ rule: c.rule, field: c.field, message: c.reason }], reason: `the pod breaks 1 rule of the host policy: ${c.reason}` });
  });
  t.test(`when ${c.when} and ${c.rule} is lifted, then the pod is allowed`, async (t) => {
    t.same(evaluatePodPolicy(c.pod, { ...DEFAULT_POD_POLICY, exceptions: [c.rule] }), { allowed: true });
  });
}

const allowed: Array<[string, V1Pod]> = [
  ['the pod is ordinary', pod({ volumes: [{ name: 'c', configMap: { name: 'x' } }] })],
  ['privileged is explicitly false and hostNetwork false', pod({ hostNetwork: false, containers: [{ name: 'a', securityContext: { privileged: false } }] })],
  ['a port has hostPort 0 (unset)', pod({ containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 0 }] }] })],
  ['the pod has no spec', { metadata: { name: 'p' } }],
];
for (const [when, p] of allowed) {
  t.test(`when ${when}, then the default policy allows it`, async (t) => {
    t.same(evaluatePodPolicy(p, DEFAULT_POD_POLICY), { allowed: true });
  });
}

t.test('when a pod breaks several rules, then every one is listed in spec order', async (t) => {
  const verdict = evaluatePodPolicy(pod({ hostPID: true, hostNetwork: true, containers: [{ name: 'a', securityContext: { privileged: true } }] }), DEFAULT_POD_POLICY);
  t.match(verdict, { allowed: false, reason: /^the pod breaks 3 rules of the host policy: spec\.hostNetwork/ });
  t.same(verdict.allowed === false && verdict.violations.map((v) => v.field), ['spec.hostNetwork', 'spec.hostPID', 'spec.containers[0].securityContext.privileged']);
});

const parsed: Array<[string | undefined, string[]]> = [
  [undefined, []],
  ['', []],
  ['none', []],
  ['hostPath', ['hostPath']],
  [' hostPorts , hostPath ', ['hostPath', 'hostPorts']],
];
for (const [env, exceptions] of parsed) {
  t.test(`when POD_POLICY is ${JSON.stringify(env)}, then exactly the named rules are lifted`, async (t) => {
    t.same(parsePodPolicy({ exceptions: env }), { ...DEFAULT_POD_POLICY, exceptions });
  });
}

t.test('when POD_POLICY names an unknown exception, then parsing throws and lists the valid names', async (t) => {
  t.throws(() => parsePodPolicy({ exceptions: 'hostpath' }), { message: /^unknown pod policy exception "hostpath"; expected a comma list of hostNetwork, hostPID/ });
});

t.test('when the spec is type-confused, then evaluation denies it instead of throwing', async (t) => {
  t.match(evaluatePodPolicy({ spec: 5 }, DEFAULT_POD_POLICY), { allowed: false });
  t.same(evaluatePodPolicy({ spec: { containers: 5, volumes: [null] } }, DEFAULT_POD_POLICY), {
    allowed: false,
    violations: [
      { rule: 'malformed', field: 'spec.volumes[0]', message: 'spec.volumes[0] is not an object' },
      { rule: 'malformed', field: 'spec.containers', message: 'spec.containers is not a list' },
    ],
    reason: 'the pod breaks 1 rule of the host policy: spec.volumes[0] is not an object; spec.containers is not a list',
  });
});
