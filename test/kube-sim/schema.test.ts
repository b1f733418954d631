import t from 'tap';
import { openApiSchemas, strictDecodingError, unknownFieldMessages, unknownFields } from '../../infra/kube-sim/schema.js';

const fullPod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', labels: { a: 'b' }, annotations: { x: 'y' }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u', controller: true }] },
  spec: {
    containers: [{
      name: 'app', image: 'nginx', imagePullPolicy: 'IfNotPresent', command: ['a'], args: ['b'], workingDir: '/',
      ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
      env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      envFrom: [{ configMapRef: { name: 'cm' } }],
      resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m' } },
      volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      livenessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 3 },
      readinessProbe: { exec: { command: ['true'] } },
      startupProbe: { tcpSocket: { port: 'http' }, grpc: undefined },
      lifecycle: { preStop: { sleep: { seconds: 1 } } },
      securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
      stdin: false, tty: false, terminationMessagePolicy: 'File',
    }],
    initContainers: [{ name: 'init', image: 'busybox', restartPolicy: 'Always' }],
    volumes: [
      { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'k', path: 'p' }], defaultMode: 420 } },
      { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } },
      { name: 'pvc', persistentVolumeClaim: { claimName: 'c' } },
    ],
    securityContext: { fsGroup: 1000, sysctls: [{ name: 'a', value: 'b' }] },
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] }] } } },
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { a: 'b' } } }],
    nodeSelector: { disk: 'ssd' }, serviceAccountName: 'sa', restartPolicy: 'Always', terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst', hostNetwork: false, priorityClassName: 'p', readinessGates: [{ conditionType: 'x' }],
  },
  status: { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'nginx', imageID: '', state: { running: { startedAt: '2024-01-01T00:00:00Z' } } }] },
};

t.test('when objects carry only schema fields, then nothing is unknown', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['Pod', fullPod],
    ['ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a.txt': 'x' }, binaryData: {}, immutable: true }],
    ['Secret', { metadata: { name: 's' }, type: 'Opaque', data: { a: 'eA==' }, stringData: { b: 'y' } }],
    ['ServiceAccount', { metadata: { name: 'sa' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'r' }] }],
    ['Service', { metadata: { name: 's' }, spec: { selector: { a: 'b' }, ports: [{ port: 80, targetPort: 'http' }], type: 'ClusterIP' } }],
    ['Namespace', { metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }],
    ['Event', { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Started', source: { component: 'kubelet' }, count: 1, type: 'Normal' }],
    ['Node', { metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.33.0' }, addresses: [{ type: 'InternalIP', address: '1.2.3.4' }] } }],
    ['Binding', { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n' } }],
    ['ValidatingWebhookConfiguration', { metadata: { name: 'v' }, webhooks: [{ name: 'a.b.c', clientConfig: { url: 'https://x', caBundle: 'AA==' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }], sideEffects: 'None', admissionReviewVersions: ['v1'], namespaceSelector: { matchExpressions: [{ key: 'k', operator: 'Exists' }] }, matchConditions: [{ name: 'm', expression: 'true' }] }] }],
    ['MutatingWebhookConfiguration', { metadata: { name: 'm' }, webhooks: [{ name: 'a.b.c', clientConfig: { service: { name: 's', namespace: 'n', port: 443 } }, reinvocationPolicy: 'Never' }] }],
    ['Unknown', { anything: true }],
  ];
  for (const [kind, obj] of cases) t.same(unknownFields(kind, obj), [], kind);
});

t.test('when objects carry fields the schema lacks, then each is reported by its decoder path', async (t) => {
  const cases: Array<[string, unknown, string[]]> = [
    ['Pod', { spec: { foo: 1, containers: [{ name: 'a' }, { name: 'b', imagePullPolicyX: 'x' }] } }, ['spec.foo', 'spec.containers[1].imagePullPolicyX']],
    ['Pod', { metadata: { name: 'p', labelz: {} }, extra: 1 }, ['metadata.labelz', 'extra']],
    ['Pod', { spec: { volumes: [{ name: 'v', emptyDir: { medium: '', bogus: 1 } }] } }, ['spec.volumes[0].emptyDir.bogus']],
    ['Pod', { spec: { containers: [{ name: 'a', livenessProbe: { httpGet: { path: '/', porrt: 80 } } }] } }, ['spec.containers[0].livenessProbe.httpGet.porrt']],
    ['ConfigMap', { metadata: { name: 'c' }, datta: {} }, ['datta']],
    ['ObjectMeta', { name: 'x', nmae: 'y' }, ['nmae']],
    ['Service', { spec: { ports: [{ port: 80, portt: 1 }] } }, ['spec.ports[0].portt']],
  ];
  for (const [kind, obj, want] of cases) t.same(unknownFields(kind, obj), want, JSON.stringify(obj));
});

t.test('when unknown fields are reported, then messages match the strict decoder', async (t) => {
  t.same(unknownFieldMessages(['spec.foo']), ['unknown field "spec.foo"']);
  const err = strictDecodingError(['spec.foo', 'bar']);
  t.equal(err.code, 400);
  t.equal(err.reason, 'BadRequest');
  t.equal(err.message, 'strict decoding error: unknown field "spec.foo", unknown field "bar"');
});

t.test('when OpenAPI schemas are built, then kinds carry their GVK and merge keys', async (t) => {
  const schemas = openApiSchemas() as Record<string, any>;
  const pod = schemas['io.k8s.api.core.v1.Pod'];
  t.same(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  t.same(pod.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  const spec = schemas['io.k8s.api.core.v1.PodSpec'];
  t.equal(spec.properties.containers['x-kubernetes-patch-merge-key'], 'name');
  t.equal(spec.properties.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  t.equal(schemas['io.k8s.api.core.v1.Container'].properties.env['x-kubernetes-patch-merge-key'], 'name');
  t.same(schemas['io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration']['x-kubernetes-group-version-kind'],
    [{ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', version: 'v1' }]);
  t.ok(schemas['io.k8s.api.admissionregistration.v1.WebhookClientConfig']);
  for (const s of Object.values(schemas)) {
    for (const p of Object.values(s.properties ?? {}) as any[]) {
      const target = p.allOf?.[0]?.$ref ?? p.items?.allOf?.[0]?.$ref;
      if (target) t.ok(schemas[target.replace('#/components/schemas/', '')], target);
    }
  }
});
