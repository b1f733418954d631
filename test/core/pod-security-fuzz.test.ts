import t from 'tap';
import fc from 'fast-check';
import { MALFORMED, POLICY_EXCEPTIONS, evaluatePodPolicy, parsePodPolicy, policyReason, type PodPolicy } from '../../functions/_shared/core/policy.js';

// The policy is total over whatever a tenant sends: arbitrary JSON as the spec, in place of any one field
// of a pod that touches every rule, and as the values of every field a rule reads. It never throws, and
// its verdict is well formed, bounded, deterministic, and lifting every rule leaves only malformed fields.

const rich = {
  metadata: { name: 'p', annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } },
  spec: {
    hostNetwork: true, hostPID: true, hostIPC: true, hostUsers: true, os: { name: 'linux' }, runtimeClassName: 'r', schedulerName: 's',
    securityContext: {
      runAsNonRoot: false, runAsUser: 0, sysctls: [{ name: 'kernel.msgmax', value: '1' }], windowsOptions: { hostProcess: true },
      appArmorProfile: { type: 'Unconfined' }, seLinuxOptions: { type: 'spc_t', user: 'u', role: 'r' }, seccompProfile: { type: 'Unconfined' },
    },
    volumes: [
      { name: 'h', hostPath: { path: '/' } }, { name: 'n', nfs: { server: 's', path: '/' } }, { name: 'c', csi: { driver: 'd' } },
      { name: 'p', projected: { sources: [{ podCertificate: { signerName: 'x' } }, { secret: { name: 's' } }] } },
    ],
    initContainers: [{ name: 'i', securityContext: { privileged: true, procMount: 'Unmasked' }, ports: [{ hostPort: 1 }] }],
    containers: [{
      name: 'app',
      securityContext: {
        privileged: true, allowPrivilegeEscalation: true, runAsNonRoot: false, runAsUser: 0, procMount: 'Unmasked',
        capabilities: { add: ['SYS_ADMIN'], drop: ['NET_RAW'] }, windowsOptions: { hostProcess: true },
        appArmorProfile: { type: 'Unconfined' }, seLinuxOptions: { type: 'spc_t' }, seccompProfile: { type: 'Unconfined' },
      },
      ports: [{ containerPort: 80, hostPort: 80 }],
      livenessProbe: { httpGet: { host: 'h', port: 1 } }, readinessProbe: { tcpSocket: { host: 'h', port: 1 } }, startupProbe: { httpGet: { host: 'h' } },
      lifecycle: { postStart: { httpGet: { host: 'h' } }, preStop: { tcpSocket: { host: 'h' } } },
    }],
    ephemeralContainers: [{ name: 'e', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }],
    tolerations: [{ operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }],
    nodeSelector: { 'node-role.kubernetes.io/master': '' },
    affinity: { nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/x', operator: 'Exists' }], matchFields: [{ key: 'k' }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'k' }] } }],
    } },
  },
};

/** Every path into the rich pod: objects' keys and lists' indexes, at any depth. */
function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...at, i], ...paths(x, [...at, i])]);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...paths(x, [...at, k])]);
  return [];
}
const ALL_PATHS = paths(rich);

function replaced(path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(rich) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

const policies: PodPolicy[] = [
  parsePodPolicy({ level: 'baseline' }),
  parsePodPolicy({ level: 'restricted', csiDrivers: 'd' }),
  parsePodPolicy({ level: 'restricted', exceptions: POLICY_EXCEPTIONS.join(',') }),
];

function wellFormed(pod: unknown): void {
  for (const policy of policies) {
    const verdict = evaluatePodPolicy(pod, policy);
    if (verdict.allowed) continue;
    if (verdict.violations.length === 0) throw new Error('a denial without violations');
    for (const v of verdict.violations) {
      if (typeof v.rule !== 'string' || typeof v.field !== 'string' || typeof v.message !== 'string') throw new Error('a violation with a non-string part');
      if (v.rule !== MALFORMED && !POLICY_EXCEPTIONS.includes(v.rule)) throw new Error(`unknown rule ${v.rule}`);
      if (v.rule !== MALFORMED && policy.exceptions.includes(v.rule)) throw new Error(`lifted rule ${v.rule} reported`);
      if (!v.message.startsWith(v.field)) throw new Error(`message does not start with its field: ${v.message}`);
      if (v.message.length > 1000) throw new Error(`unbounded message: ${v.message.length} chars`);
    }
    if (verdict.reason !== policyReason(verdict.violations)) throw new Error('reason is not built from the violations');
    if (JSON.stringify(evaluatePodPolicy(pod, policy)) !== JSON.stringify(verdict)) throw new Error('not deterministic');
  }
}

const json = fc.jsonValue({ maxDepth: 4 });

t.test('when the spec is arbitrary JSON, then the verdict is well formed and nothing throws', async (t) => {
  fc.assert(fc.property(json, (spec) => wellFormed({ spec })), { numRuns: 400 });
  fc.assert(fc.property(json, (pod) => wellFormed(pod)), { numRuns: 200 });
  t.pass('no counterexample');
});

t.test('when any one field of a pod that breaks every rule is arbitrary JSON, then the verdict is well formed', async (t) => {
  t.ok(ALL_PATHS.length > 100, `${ALL_PATHS.length} paths`);
  fc.assert(fc.property(fc.constantFrom(...ALL_PATHS), json, (path, value) => wellFormed(replaced(path, value))), { numRuns: 800 });
  for (const path of ALL_PATHS) for (const value of [null, 5, 'x', [], {}, [null], true]) wellFormed(replaced(path, value));
  t.pass('no counterexample');
});

// Right field names, any values: reaches the readers of every rule with type-confused input.
const KEYS = {
  spec: ['hostNetwork', 'hostPID', 'hostIPC', 'hostUsers', 'os', 'securityContext', 'volumes', 'initContainers', 'containers', 'ephemeralContainers', 'tolerations', 'nodeSelector', 'affinity', 'runtimeClassName', 'schedulerName'],
  sc: ['privileged', 'allowPrivilegeEscalation', 'runAsNonRoot', 'runAsUser', 'procMount', 'capabilities', 'windowsOptions', 'appArmorProfile', 'seLinuxOptions', 'seccompProfile', 'sysctls'],
};
const anyOf = (keys: string[], value: fc.Arbitrary<unknown>) => fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length });
const shaped = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, json, tie('sc'), fc.array(tie('container'), { maxLength: 3 })),
  sc: anyOf(KEYS.sc, fc.oneof(json, anyOf(['add', 'drop', 'type', 'hostProcess', 'user', 'role', 'name'], json))),
  container: fc.record({ name: fc.oneof(fc.string(), json), securityContext: tie('sc'), ports: json, livenessProbe: json, lifecycle: json }, { requiredKeys: [] }),
  spec: anyOf(KEYS.spec, tie('value')),
}));

t.test('when every field a rule reads has an arbitrary value, then the verdict is well formed', async (t) => {
  fc.assert(fc.property(shaped.spec, fc.oneof(json, fc.record({ annotations: fc.dictionary(fc.string(), json) })), (spec, metadata) => wellFormed({ metadata, spec })), { numRuns: 800 });
  t.pass('no counterexample');
});

t.test('when a tenant string is huge or has control characters, then messages stay bounded and printable', async (t) => {
  const name = `${'x'.repeat(100_000)}\n\u0000`;
  const verdict = evaluatePodPolicy({ spec: { containers: [{ name, securityContext: { privileged: true } }], nodeSelector: { [`node-role.kubernetes.io/${name}`]: '' } } }, policies[0]);
  t.equal(verdict.allowed, false);
  if (verdict.allowed) return;
  for (const v of verdict.violations) {
    t.ok(v.message.length < 1000, `${v.rule}: ${v.message.length} chars`);
    t.notMatch(v.message, /[\u0000-\u001f]/);
  }
});

t.test('when prototype names are used as keys, then they read as what the tenant wrote, never as Object members', async (t) => {
  const pod = JSON.parse('{"spec":{"containers":[{"name":"a","securityContext":{"__proto__":{"privileged":true}}}],"constructor":{"x":1}}}');
  t.same(evaluatePodPolicy(pod, policies[0]), { allowed: true });
  t.same(evaluatePodPolicy({ spec: { containers: [{ name: 'toString' }], nodeSelector: { hasOwnProperty: 'x' } } }, policies[0]), { allowed: true });
});
