// docker-compose.yml cannot be run here (no Docker daemon), so it is read: every file it names exists, every
// variable it sets is one podferry (or k3s) reads, ports and paths agree between services, and the start
// order only waits on what can finish or report healthy.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { CREDENTIAL_FILES } from '../../infra/docker/compose-credentials.js';
import { readEnvKeys } from './env-keys.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as any;
const services: Record<string, any> = compose.services;
const podferryServices = Object.entries(services).filter(([, s]) => s.image === 'podferry:dev');
const k3sServices = Object.entries(services).filter(([, s]) => String(s.image).startsWith('rancher/k3s:'));
const env = (name: string): Record<string, string> => services[name].environment ?? {};

/** `source:target[:ro]` split; a source starting with . or / is a bind mount. */
function mounts(service: any): Array<{ source: string; target: string; bind: boolean }> {
  return (service.volumes ?? []).map((v: string) => {
    const [source, target] = v.split(':');
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

function mountedAt(service: any, path: string): { source: string; target: string } | undefined {
  return mounts(service).find((m) => path === m.target || path.startsWith(`${m.target}/`));
}

/** The value after `flag` in a command list, or after `flag=` in one item. */
function arg(command: string[], flag: string): string | undefined {
  const i = command.indexOf(flag);
  if (i >= 0) return command[i + 1];
  return command.find((c) => c.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

t.test('when build and bind-mount sources are read, then every file exists', async (t) => {
  t.ok(podferryServices.length >= 5, 'webhook, worker, dashboard and the two one-shots use the podferry image');
  for (const [name, s] of podferryServices) {
    t.ok(existsSync(s.build.context), `${name}: build context ${s.build.context}`);
    t.ok(existsSync(posix.join(s.build.context, s.build.dockerfile)), `${name}: ${s.build.dockerfile}`);
    if (s.entrypoint) {
      const script = s.entrypoint[1] as string;
      t.ok(existsSync(script.replace(/^dist\//, '').replace(/\.js$/, '.ts')), `${name}: ${script} is built from a source file`);
    }
  }
  for (const [name, s] of Object.entries(services)) {
    for (const m of mounts(s).filter((m) => m.bind)) t.ok(existsSync(m.source), `${name}: ${m.source} exists`);
  }
});

t.test('when named volumes are read, then each used one is declared and each declared one is used', async (t) => {
  const declared = new Set(Object.keys(compose.volumes));
  const used = new Set(Object.values(services).flatMap((s) => mounts(s).filter((m) => !m.bind).map((m) => m.source)));
  t.same([...used].filter((v) => !declared.has(v)), [], 'no undeclared volume');
  t.same([...declared].filter((v) => !used.has(v)), [], 'no unused volume');
});

t.test('when environments are read, then every key is read by podferry or by k3s/kubectl', async (t) => {
  const known = readEnvKeys();
  for (const [name, s] of podferryServices) {
    for (const key of Object.keys(s.environment ?? {})) t.ok(known.has(key), `${name}: ${key} is read by a config reader`);
  }
  for (const [name, s] of k3sServices) {
    for (const key of Object.keys(s.environment ?? {})) t.ok(key.startsWith('K3S_') || key === 'KUBECONFIG', `${name}: ${key} belongs to k3s`);
  }
  const interpolated = [...readFileSync('docker-compose.yml', 'utf8').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]);
  const docs = readFileSync('docs/docker-compose.md', 'utf8');
  for (const v of interpolated) t.ok(docs.includes(v), `${v} is explained in docs/docker-compose.md`);
});

t.test('when file paths in environments and k3s flags are read, then each lies on a volume of that service', async (t) => {
  for (const [name, s] of podferryServices) {
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (/_FILE$|KUBECONFIG$/.test(key)) t.ok(mountedAt(s, String(value)), `${name}: ${key}=${value} is mounted`);
    }
  }
  const credentialNames = new Set<string>(Object.values(CREDENTIAL_FILES));
  for (const [name, s] of k3sServices) {
    t.ok(mountedAt(s, env(name).K3S_KUBECONFIG_OUTPUT), `${name}: its kubeconfig lands on a volume`);
    for (const flag of (s.command as string[]).filter((c) => /^--kube-apiserver-arg=[a-z-]+-file=/.test(c))) {
      const path = flag.split('=')[2];
      const mount = mountedAt(s, path);
      t.ok(mount, `${name}: ${path} is mounted`);
      if (mount && !mount.source.startsWith('.')) t.ok(credentialNames.has(posix.basename(path)), `${name}: ${posix.basename(path)} is a file the credentials step writes`);
    }
  }
  const admission = parse(readFileSync('infra/virtual/admission-configuration.yaml', 'utf8'));
  const kubeConfigFile = admission.plugins[0].configuration.kubeConfigFile as string;
  t.ok(mountedAt(services['k3s-virtual'], kubeConfigFile), 'the AdmissionConfiguration\'s kubeconfig is mounted in k3s-virtual');
  t.equal(posix.basename(kubeConfigFile), CREDENTIAL_FILES.admissionKubeconfig);
  const webhook = env('webhook');
  t.same([posix.basename(webhook.TLS_CERT_FILE), posix.basename(webhook.TLS_KEY_FILE), posix.basename(webhook.CLIENT_CA_FILE)],
    [CREDENTIAL_FILES.tlsCert, CREDENTIAL_FILES.tlsKey, CREDENTIAL_FILES.caCert]);
});

t.test('when ports and addresses are read, then services agree on them', async (t) => {
  const hostPorts = Object.values(services).flatMap((s) => (s.ports ?? []).map((p: string) => p.split(':')[0]));
  t.equal(new Set(hostPorts).size, hostPorts.length, 'no host port is published twice');
  t.same(services.webhook.ports, [`${env('webhook').WEBHOOK_PORT}:${env('webhook').WEBHOOK_PORT}`]);
  t.same(services.dashboard.ports, [`${env('dashboard').DASHBOARD_PORT}:${env('dashboard').DASHBOARD_PORT}`]);
  t.equal(services.worker.deploy.replicas, 3);
  t.notOk(services.worker.ports, 'replicated workers publish no host port');
  t.match(services.webhook.healthcheck.test.join(' '), `port:${env('webhook').WEBHOOK_PORT}`);
  t.match(services.worker.healthcheck.test.join(' '), `:${env('worker').METRICS_PORT}/metrics`);
  t.match(services.dashboard.healthcheck.test.join(' '), `:${env('dashboard').DASHBOARD_PORT}/healthz`);

  const credentials = services.credentials.command as string[];
  const register = services.register.command as string[];
  t.equal(arg(credentials, '--webhook-host'), 'webhook', 'the certificate names the webhook service');
  t.equal(arg(credentials, '--webhook-port'), env('webhook').WEBHOOK_PORT);
  t.equal(arg(register, '--webhook-url'), `https://webhook:${env('webhook').WEBHOOK_PORT}/admission`);
  t.equal(arg(register, '--host-namespace'), env('worker').HOST_NAMESPACE);
  for (const [side, service] of [['virtual', 'k3s-virtual'], ['host', 'k3s-host']]) {
    t.equal(arg(register, `--${side}-server`), `https://${service}:6443`);
    t.equal(arg(services[service].command, '--tls-san'), service, `${service}'s certificate names it`);
    t.ok(mountedAt(services.register, arg(register, `--${side}-admin`)!)?.source === mountedAt(services[service], env(service).K3S_KUBECONFIG_OUTPUT)?.source, `register reads ${service}'s kubeconfig volume`);
  }
  const kubeOut = arg(register, '--out')!;
  for (const name of ['webhook', 'worker']) t.equal(posix.dirname(env(name).VIRTUAL_KUBECONFIG), kubeOut, `${name} reads what register writes`);
  for (const name of ['webhook', 'worker', 'dashboard']) t.equal(env(name).REDIS_URL, 'redis://redis:6379');
});

t.test('when host pods get a virtual token, then they are pointed at the virtual API server by an address it serves', async (t) => {
  const address = services['k3s-virtual'].networks?.default?.ipv4_address as string;
  t.match(address, /^\d+\.\d+\.\d+\.\d+$/, 'k3s-virtual has a fixed IP (pods cannot resolve compose names)');
  t.equal(env('worker').VIRTUAL_API_SERVICE_HOST, address, 'the workers point KUBERNETES_SERVICE_HOST there');
  t.equal(env('worker').VIRTUAL_API_SERVICE_PORT, '6443');
  t.ok((services['k3s-virtual'].command as string[]).includes(`--tls-san=${address}`), 'and its serving certificate names that IP');
  const subnet = (compose.networks?.default?.ipam?.config?.[0]?.subnet ?? '') as string;
  t.equal(subnet.split('/')[1], '24');
  t.equal(address.split('.').slice(0, 3).join('.'), subnet.split('/')[0].split('.').slice(0, 3).join('.'), 'inside the network\'s subnet');
});

t.test('when the virtual API server is read, then it audits to podferry with the repository\'s policy and batches quickly', async (t) => {
  const command = services['k3s-virtual'].command as string[];
  t.ok(command.includes('--disable-agent'), 'no nodes of its own');
  t.notOk(command.includes('--kube-apiserver-arg'), 'API server flags are given as one item with =');
  const apiserver = Object.fromEntries(command.filter((c) => c.startsWith('--kube-apiserver-arg=')).map((c) => c.slice('--kube-apiserver-arg='.length).split(/=(.*)/s).slice(0, 2)));
  t.equal(mountedAt(services['k3s-virtual'], apiserver['audit-policy-file'])?.source, './infra/virtual/audit-policy.yaml');
  t.ok(apiserver['audit-webhook-config-file'] && apiserver['admission-control-config-file'] && apiserver['token-auth-file']);
  t.equal(apiserver['audit-webhook-batch-max-wait'], '1s');
  t.match(services.redis.command.join(' '), /--appendonly yes.*--maxmemory-policy noeviction/);
});

t.test('when the start order is read, then one-shots are awaited to completion and long-running services to health', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {}) as Array<[string, { condition: string }]>) {
      t.ok(services[dep], `${name} depends on an existing service ${dep}`);
      if (condition === 'service_completed_successfully') t.equal(services[dep].restart, 'no', `${dep} is a one-shot`);
      if (condition === 'service_healthy') t.ok(services[dep].healthcheck, `${dep} has a healthcheck`);
    }
  }
  for (const name of ['webhook', 'worker', 'dashboard', 'redis', 'k3s-virtual', 'k3s-host']) t.ok(services[name].healthcheck, `${name} has a healthcheck`);
});
