// infra/k8s as kubectl renders it: every object valid against its kind's schema (kubernetes-models, with
// the KEDA and cert-manager CRD models), RBAC confined to the host namespace, and every workload with
// probes, resources and a non-root, locked-down security context.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { QUEUE_NAMES } from '../../functions/_shared/queue/names.js';
import { readEnvKeys } from './env-keys.js';
import { schemaProblem, type KubeObject } from './k8s-schemas.js';

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function render(dir: string): KubeObject[] {
  const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject).filter(Boolean);
}

const VARIANTS = ['infra/k8s', 'infra/k8s/overlays/hpa', 'infra/k8s/overlays/cert-manager'];
const WORKLOADS = new Set(['Deployment', 'StatefulSet']);

/* eslint-disable @typescript-eslint/no-explicit-any */
const podSpec = (o: KubeObject): any => (o.spec as any).template.spec;
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

t.test('when infra/k8s is rendered with kubectl kustomize', { skip: kubectl ? false : 'kubectl is not installed: cannot render infra/k8s' }, async (t) => {
  const base = render('infra/k8s');
  const config = base.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('podferry-config')) as KubeObject & { data: Record<string, string> };
  const hostNamespace = config.data.HOST_NAMESPACE;

  t.test('when each variant is rendered, then every object passes its schema', async (t) => {
    for (const dir of VARIANTS) {
      const objects = render(dir);
      t.ok(objects.length > 10, `${dir} renders objects`);
      for (const o of objects) t.equal(await schemaProblem(o), undefined, `${dir}: ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    }
    const hpa = render('infra/k8s/overlays/hpa');
    t.notOk(hpa.some((o) => o.kind === 'ScaledObject'), 'the HPA variant drops the ScaledObject');
    t.ok(find(hpa, 'HorizontalPodAutoscaler', 'podferry-worker'));
    const certs = render('infra/k8s/overlays/cert-manager');
    t.equal((find(certs, 'Certificate', 'podferry-webhook')?.spec as any).secretName, 'podferry-webhook-tls', 'cert-manager writes the Secret the webhook mounts');
  });

  t.test('when an object is broken, then the validator says so (the check above can fail)', async (t) => {
    const webhook = structuredClone(find(base, 'Deployment', 'podferry-webhook')!);
    (webhook.spec as any).replicas = 'two';
    t.match(await schemaProblem(webhook), /replicas must be integer/);
    const scaled = structuredClone(find(base, 'ScaledObject', 'podferry-worker')!);
    delete (scaled.spec as any).scaleTargetRef;
    t.match(await schemaProblem(scaled), /scaleTargetRef/);
  });

  t.test('when RBAC is read, then only a namespaced Role in the host namespace grants anything', async (t) => {
    t.notOk(base.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding'), 'no cluster-wide RBAC');
    const roles = base.filter((o) => o.kind === 'Role');
    for (const role of roles) {
      t.equal(role.metadata.namespace, hostNamespace, `Role ${role.metadata.name} is in the host namespace`);
      for (const rule of (role as any).rules) {
        t.notOk(rule.resources.includes('*') || rule.verbs.includes('*'), 'no wildcards');
        t.ok(rule.resources.every((r: string) => ['pods', 'configmaps', 'secrets', 'events', 'services', 'persistentvolumeclaims'].includes(r.split('/')[0])), `only what pods need and the objects synced: ${rule.resources}`);
      }
    }
    // Each Role is bound to exactly the service account of the one workload that needs it.
    for (const [role, workload] of [['podferry-syncer', 'podferry-worker'], ['podferry-host-watch', 'podferry-host-watch'], ['podferry-node-proxy', 'podferry-node-proxy']]) {
      const binding = base.find((o) => o.kind === 'RoleBinding' && (o as any).roleRef.name === role) as any;
      const deployment = find(base, 'Deployment', workload)!;
      t.same(binding.subjects, [{ kind: 'ServiceAccount', name: podSpec(deployment).serviceAccountName, namespace: deployment.metadata.namespace }], `${role} is bound to ${workload} only`);
    }
    t.equal(base.filter((o) => o.kind === 'RoleBinding').length, 3, 'no other bindings');
    const proxyRole = find(base, 'Role', 'podferry-node-proxy') as any;
    t.notOk(proxyRole.rules.some((r: any) => r.verbs.some((v: string) => ['delete', 'patch', 'update'].includes(v))), 'the node proxy never writes a pod');
    for (const name of ['podferry-webhook', 'podferry-dashboard']) {
      t.equal(podSpec(find(base, 'Deployment', name)!).automountServiceAccountToken, false, `${name} gets no API token`);
    }
  });

  t.test('when workloads are read, then each has probes, resources and a non-root, locked-down context', async (t) => {
    for (const w of base.filter((o) => WORKLOADS.has(o.kind))) {
      const spec = podSpec(w);
      t.equal(spec.securityContext?.runAsNonRoot, true, `${w.metadata.name}: runAsNonRoot`);
      t.ok(spec.securityContext?.runAsUser > 0, `${w.metadata.name}: a non-zero uid`);
      for (const c of spec.containers) {
        const at = `${w.metadata.name}/${c.name}`;
        t.ok(c.readinessProbe && c.livenessProbe, `${at}: readiness and liveness probes`);
        t.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, `${at}: requests and a memory limit`);
        t.equal(c.securityContext?.allowPrivilegeEscalation, false, `${at}: no privilege escalation`);
        t.equal(c.securityContext?.readOnlyRootFilesystem, true, `${at}: read-only root`);
        t.same(c.securityContext?.capabilities?.drop, ['ALL'], `${at}: capabilities dropped`);
      }
    }
  });

  t.test('when the webhook is read, then it has 2 replicas, a PDB and TLS files from the mounted Secret', async (t) => {
    const webhook = find(base, 'Deployment', 'podferry-webhook')!;
    t.equal((webhook.spec as any).replicas, 2);
    const pdb = find(base, 'PodDisruptionBudget', 'podferry-webhook') as any;
    t.same(pdb.spec.selector.matchLabels, (webhook.spec as any).selector.matchLabels);
    const container = podSpec(webhook).containers[0];
    const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    const tlsMount = container.volumeMounts.find((m: any) => m.name === 'tls');
    t.ok(env.TLS_CERT_FILE.startsWith(`${tlsMount.mountPath}/`) && env.TLS_KEY_FILE.startsWith(`${tlsMount.mountPath}/`));
    t.equal(podSpec(webhook).volumes.find((v: any) => v.name === 'tls').secret.secretName, 'podferry-webhook-tls');
    t.equal(container.readinessProbe.httpGet.scheme, 'HTTPS');
  });

  t.test('when environment and Services are read, then every key is one podferry reads and every Service reaches a port', async (t) => {
    const known = readEnvKeys();
    for (const key of Object.keys(config.data)) t.ok(known.has(key), `ConfigMap key ${key} is read by a config reader`);
    const pods = base.filter((o) => WORKLOADS.has(o.kind));
    for (const w of pods) {
      for (const c of podSpec(w).containers) {
        for (const e of c.env ?? []) t.ok(known.has(e.name), `${w.metadata.name}: ${e.name} is read by a config reader`);
      }
    }
    for (const svc of base.filter((o) => o.kind === 'Service') as any[]) {
      const target = pods.find((w) => Object.entries(svc.spec.selector).every(([k, v]) => (w.spec as any).template.metadata.labels[k] === v));
      t.ok(target, `Service ${svc.metadata.name} selects a workload`);
      const portNames = podSpec(target!).containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
      for (const port of svc.spec.ports) t.ok(portNames.includes(port.targetPort), `Service ${svc.metadata.name} targets a named container port`);
    }
  });

  t.test('when the ScaledObject is read, then it never scales to zero and counts waiting and active jobs of every queue that does work', async (t) => {
    const scaled = find(base, 'ScaledObject', 'podferry-worker') as any;
    t.equal(scaled.spec.scaleTargetRef.name, 'podferry-worker');
    t.ok(scaled.spec.minReplicaCount >= 1, 'delayed jobs need a live worker to be promoted');
    const lists = new Set(scaled.spec.triggers.map((tr: any) => tr.metadata.listName));
    const prefix = config.data.QUEUE_PREFIX;
    for (const queue of [QUEUE_NAMES.sync, QUEUE_NAMES.status]) {
      t.ok(lists.has(`${prefix}:${queue}:wait`) && lists.has(`${prefix}:${queue}:active`), `${queue}: wait and active`);
    }
    const redis = find(base, 'Service', 'podferry-redis') as any;
    for (const tr of scaled.spec.triggers) t.equal(tr.metadata.address, `${redis.metadata.name}.${redis.metadata.namespace}.svc:${redis.spec.ports[0].port}`);
    t.equal(config.data.REDIS_URL, `redis://${scaled.spec.triggers[0].metadata.address}`, 'KEDA reads the Redis podferry writes');
  });

  t.test('when network policies are read, then the namespace denies by default', async (t) => {
    const deny = find(base, 'NetworkPolicy', 'default-deny') as any;
    t.same(deny.spec.podSelector, {});
    t.same(deny.spec.policyTypes.sort(), ['Egress', 'Ingress']);
  });
});
