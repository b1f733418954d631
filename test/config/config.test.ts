import t from 'tap';
import { join } from 'node:path';
import { ConfigError, loadConfig, nodeProxyServing, translateContext } from '../../functions/_shared/config.js';
import { DEFAULT_POD_POLICY } from '../../functions/_shared/core/policy.js';

const dir = t.testdir({ 'virtual.kubeconfig': 'kind: Config\n', 'tls.crt': 'x', 'tls.key': 'x', 'ca.crt': 'x' });
const file = (n: string) => join(dir, n);
const TOKEN = 'a-long-enough-token-123';

const minimal = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  PODFERRY_CLUSTER: 'vc1',
  VIRTUAL_KUBECONFIG: file('virtual.kubeconfig'),
  HOST_NAMESPACE: 'vc1-pods',
  WEBHOOK_TOKENS: TOKEN,
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

t.test('when only the required keys are set, then defaults fill the rest and the result is frozen', async (t) => {
  const c = loadConfig(minimal);
  t.match(c, {
    cluster: 'vc1',
    redisUrl: 'redis://127.0.0.1:6379',
    queuePrefix: 'podferry',
    logLevel: 'info',
    virtual: { kubeconfig: file('virtual.kubeconfig') },
    host: { namespace: 'vc1-pods', serviceAccount: 'default', qps: 100 },
    worker: { concurrency: 20, resyncIntervalSeconds: 60, startupCoalesceMs: 1000 },
    webhook: { host: '0.0.0.0', port: 8443, tokens: [TOKEN], allowUnauthenticated: false },
  });
  t.equal(c.host.kubeconfig, undefined, 'absent HOST_KUBECONFIG means in-cluster');
  t.equal(c.webhook.tls, undefined);
  t.same(c.podPolicy, DEFAULT_POD_POLICY);
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.webhook) && Object.isFrozen(c.webhook.tokens));
  t.throws(() => { (c as { cluster: string }).cluster = 'x'; });
});

t.test('when every optional key is set, then each is parsed', async (t) => {
  const c = loadConfig({
    ...minimal,
    HOST_KUBECONFIG: file('virtual.kubeconfig'),
    HOST_SERVICE_ACCOUNT: 'runner',
    WORKER_CONCURRENCY: '50',
    HOST_QPS: '7.5',
    RESYNC_INTERVAL_SECONDS: '60',
    WEBHOOK_PORT: '9443',
    WEBHOOK_HOST: '127.0.0.1',
    TLS_CERT_FILE: file('tls.crt'),
    TLS_KEY_FILE: file('tls.key'),
    CLIENT_CA_FILE: file('ca.crt'),
    WEBHOOK_TOKEN: 'single-token-0123456789',
    QUEUE_PREFIX: '{podferry}',
    POD_POLICY: 'hostPath,hostPorts',
    LOG_LEVEL: 'debug',
    PODFERRY_VIRTUAL_USER: 'podferry-syncer',
  });
  t.match(c, {
    host: { kubeconfig: file('virtual.kubeconfig'), serviceAccount: 'runner', qps: 7.5 },
    worker: { concurrency: 50, resyncIntervalSeconds: 60, startupCoalesceMs: 1000 },
    webhook: { port: 9443, host: '127.0.0.1', tls: { certFile: file('tls.crt'), keyFile: file('tls.key') }, clientCaFile: file('ca.crt') },
    queuePrefix: '{podferry}',
    logLevel: 'debug',
    virtual: { user: 'podferry-syncer' },
    podPolicy: { level: 'baseline', exceptions: ['hostPath', 'hostPorts'] },
  });
  t.same(c.webhook.tokens, ['single-token-0123456789', TOKEN]);
});

t.test('when many keys are missing or bad, then one ConfigError names every one of them', async (t) => {
  const list = problems({
    REDIS_URL: 'http://nope',
    PODFERRY_CLUSTER: 'Bad_Name',
    VIRTUAL_KUBECONFIG: '/does/not/exist',
    WORKER_CONCURRENCY: 'lots',
    HOST_QPS: '-1',
    RESYNC_INTERVAL_SECONDS: '1.5',
    WEBHOOK_PORT: '70000',
    TLS_CERT_FILE: file('tls.crt'),
    CLIENT_CA_FILE: file('ca.crt'),
    WEBHOOK_TOKENS: 'short',
    QUEUE_PREFIX: 'has:colon',
    POD_POLICY: 'hostNetwork,everything',
    LOG_LEVEL: 'loud',
    WEBHOOK_ALLOW_UNAUTHENTICATED: 'maybe',
  });
  const expectKeys = [
    'REDIS_URL', 'PODFERRY_CLUSTER', 'VIRTUAL_KUBECONFIG', 'HOST_NAMESPACE', 'WORKER_CONCURRENCY', 'HOST_QPS',
    'RESYNC_INTERVAL_SECONDS', 'WEBHOOK_PORT', 'TLS_CERT_FILE and TLS_KEY_FILE', 'CLIENT_CA_FILE needs', 'WEBHOOK_TOKEN',
    'QUEUE_PREFIX', 'POD_POLICY', 'LOG_LEVEL', 'WEBHOOK_ALLOW_UNAUTHENTICATED',
  ];
  for (const k of expectKeys) t.ok(list.some((p) => p.includes(k)), `names ${k}`);
  t.ok(list.every((p) => !p.includes('short')), 'a token value is never echoed');
  const err = t.throws(() => loadConfig({})) as ConfigError;
  t.match(err.message, /invalid configuration \(\d+ problems\)/);
  for (const k of ['REDIS_URL is required', 'PODFERRY_CLUSTER is required', 'VIRTUAL_KUBECONFIG is required', 'HOST_NAMESPACE is required', 'no way to authenticate']) {
    t.match(err.message, k);
  }
});

t.test('when there is no way to authenticate callers, then loading fails unless explicitly allowed', async (t) => {
  const { WEBHOOK_TOKENS: _unused, ...noAuth } = minimal;
  t.match(problems(noAuth), [/no way to authenticate/]);
  t.same(problems({ ...noAuth, WEBHOOK_ALLOW_UNAUTHENTICATED: 'true' }), []);
  t.same(problems({ ...noAuth, TLS_CERT_FILE: file('tls.crt'), TLS_KEY_FILE: file('tls.key'), CLIENT_CA_FILE: file('ca.crt') }), []);
});

t.test('when values carry blanks, then they are trimmed and blank means unset', async (t) => {
  const c = loadConfig({ ...minimal, PODFERRY_CLUSTER: ' vc1 ', HOST_KUBECONFIG: '  ', LOG_LEVEL: '' });
  t.equal(c.cluster, 'vc1');
  t.equal(c.host.kubeconfig, undefined);
  t.equal(c.logLevel, 'info');
});

t.test('when the node proxy keys are set, then they are parsed; a bad address or a half TLS pair is named; serving needs TLS and the client CA', async (t) => {
  const c = loadConfig({
    ...minimal,
    NODE_PROXY_PORT: '10251',
    NODE_PROXY_HOST: '127.0.0.1',
    NODE_PROXY_ADVERTISE_ADDRESS: 'podferry-node-proxy.podferry-system.svc',
    NODE_PROXY_TLS_CERT_FILE: file('tls.crt'),
    NODE_PROXY_TLS_KEY_FILE: file('tls.key'),
    NODE_PROXY_CLIENT_CA_FILE: file('ca.crt'),
  });
  t.same(c.nodeProxy, { host: '127.0.0.1', port: 10251, advertiseAddress: 'podferry-node-proxy.podferry-system.svc', tls: { certFile: file('tls.crt'), keyFile: file('tls.key') }, clientCaFile: file('ca.crt') });
  t.same(nodeProxyServing(c), { tls: { certFile: file('tls.crt'), keyFile: file('tls.key') }, clientCaFile: file('ca.crt') });
  t.same(loadConfig(minimal).nodeProxy, { host: '0.0.0.0', port: 10250 }, 'defaults: no advertised address, no TLS');
  t.equal(loadConfig({ ...minimal, NODE_PROXY_ADVERTISE_ADDRESS: '10.0.0.7' }).nodeProxy.advertiseAddress, '10.0.0.7');
  t.match(problems({ ...minimal, NODE_PROXY_ADVERTISE_ADDRESS: 'https://x:1', NODE_PROXY_TLS_CERT_FILE: file('tls.crt') }), [
    /NODE_PROXY_TLS_CERT_FILE and NODE_PROXY_TLS_KEY_FILE must be set together/,
    /NODE_PROXY_ADVERTISE_ADDRESS="https:\/\/x:1" is invalid/,
  ]);
  const missing = (() => {
    try {
      nodeProxyServing(loadConfig(minimal));
    } catch (err) {
      return err instanceof ConfigError ? [...err.problems] : [];
    }
    return [];
  })();
  t.match(missing, [/NODE_PROXY_TLS_CERT_FILE and NODE_PROXY_TLS_KEY_FILE are required/, /NODE_PROXY_CLIENT_CA_FILE is required/]);
});

t.test('when a worker, host watch or node proxy loads the config without webhook credentials, then only the webhook refuses it', async (t) => {
  const { WEBHOOK_TOKENS: _unused, ...noAuth } = minimal as Record<string, string>;
  for (const fn of ['worker', 'host-watch', 'node-proxy'] as const) t.doesNotThrow(() => loadConfig(noAuth, fn), fn);
  t.throws(() => loadConfig(noAuth, 'webhook'), { message: /the webhook has no way to authenticate callers/ });
});

t.test('when pod identity is not configured, then tokens go in secrets, renewed at 80 %, and the API address is not rewritten', async (t) => {
  const c = loadConfig(minimal);
  t.same(c.podIdentity, { serviceAccountTokens: 'secret', tokenRefreshFraction: 0.8 });
  t.match(translateContext(c), { vcluster: 'vc1', hostNamespace: 'vc1-pods', serviceAccountTokens: 'secret', syncEphemeralContainers: true });
  t.equal(translateContext(c).kubeIP, undefined);
  const set = loadConfig({ ...minimal, SERVICE_ACCOUNT_TOKENS: 'remove', SERVICE_ACCOUNT_TOKEN_REFRESH_FRACTION: '0.5', VIRTUAL_API_SERVICE_HOST: '10.96.0.1', VIRTUAL_API_SERVICE_PORT: '6443' });
  t.same(set.podIdentity, { serviceAccountTokens: 'remove', tokenRefreshFraction: 0.5, virtualApi: { host: '10.96.0.1', port: 6443 } });
  t.match(translateContext(set), { serviceAccountTokens: 'remove', kubeIP: '10.96.0.1', kubePort: 6443 });
  t.same(loadConfig({ ...minimal, VIRTUAL_API_SERVICE_HOST: 'vc-api.vc-ns.svc' }).podIdentity.virtualApi, { host: 'vc-api.vc-ns.svc', port: 443 });
  t.match(translateContext(loadConfig({ ...minimal, SERVICE_ACCOUNT_TOKENS: 'annotation' })), { serviceAccountTokens: 'annotation' }, 'vCluster\'s default layout, chosen');
});

t.test('when pod identity keys are wrong, then each is named', async (t) => {
  t.same(problems({ ...minimal, SERVICE_ACCOUNT_TOKENS: 'annotations', SERVICE_ACCOUNT_TOKEN_REFRESH_FRACTION: '1.5', VIRTUAL_API_SERVICE_HOST: 'not a host' }), [
    'SERVICE_ACCOUNT_TOKENS="annotations" is invalid: expected secret (tokens for the virtual API in a host Secret), annotation (in the host pod\'s annotations, as vCluster does by default) or remove (no token)',
    'SERVICE_ACCOUNT_TOKEN_REFRESH_FRACTION="1.5" is invalid: expected a number from 0.0001 to 1',
    'VIRTUAL_API_SERVICE_HOST="not a host" is invalid: expected an IP address or a DNS name',
  ]);
  t.same(problems({ ...minimal, VIRTUAL_API_SERVICE_PORT: '6443' }), ['VIRTUAL_API_SERVICE_PORT needs VIRTUAL_API_SERVICE_HOST: the address host pods reach the virtual API server at']);
});

t.test('when Services and claims are configured, then the DNS server and the storage class map are read, and bad values named', async (t) => {
  const c = loadConfig({ ...minimal, VIRTUAL_DNS_SERVER: '10.96.0.10', STORAGE_CLASS_MAP: 'fast=premium-ssd,slow=standard' });
  t.same(c.objects, { dnsServer: '10.96.0.10', storageClasses: { fast: 'premium-ssd', slow: 'standard' } });
  t.same(loadConfig(minimal).objects, { storageClasses: {} }, 'by default no DNS server and every class keeps its name');
  const found = problems({ ...minimal, VIRTUAL_DNS_SERVER: 'kube-dns', STORAGE_CLASS_MAP: 'fast' });
  t.equal(found.length, 2);
  t.match(found.join('\n'), /VIRTUAL_DNS_SERVER="kube-dns" is invalid/);
  t.match(found.join('\n'), /STORAGE_CLASS_MAP entry "fast" is invalid/);
});
