// The only reader of process.env. Every function loads the same schema once at start; a bad deployment
// fails before doing anything, with every problem named at once (one crash loop per typo is too slow).
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseMetadataFilter, type MetadataFilter } from './core/host-metadata-filter.js';
import { parsePodPolicy, type PodPolicy } from './core/policy.js';
import { DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE, SERVICE_ACCOUNT_TOKEN_MODES, type ServiceAccountTokenMode } from './core/service-account-token.js';
import { DEFAULT_TOKEN_REFRESH_FRACTION } from './core/token-refresh.js';
import type { TranslateContext } from './core/translate-pod.js';
import { parseStorageClassMap, type StorageClassMap } from './core/translate-claim.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  cluster: string;
  redisUrl: string;
  queuePrefix: string;
  logLevel: LogLevel;
  virtual: { kubeconfig: string; user?: string };
  /** `kubeconfig` absent means in-cluster config. */
  host: { kubeconfig?: string; namespace: string; serviceAccount: string; qps: number };
  worker: { concurrency: number; resyncIntervalSeconds: number; startupCoalesceMs: number };
  /** The host watch: its lease's lifetime (failover time), and how long workers trust it without a sign of life. */
  hostWatch: { leaseSeconds: number; staleSeconds: number; instance?: string };
  /** Where a worker process serves Prometheus /metrics (0: any free port). */
  metrics: { port: number };
  webhook: {
    host: string;
    port: number;
    tls?: { certFile: string; keyFile: string };
    clientCaFile?: string;
    tokens: readonly string[];
    allowUnauthenticated: boolean;
  };
  podPolicy: PodPolicy;
  /** Tenant labels and annotations never copied to host objects (the defaults plus HOST_*_DENY). */
  hostMetadata: MetadataFilter;
  nodeProxy: NodeProxyConfig;
  podIdentity: PodIdentityConfig;
  /** What Services and claims need on the host: the virtual cluster's DNS server, the storage class map. */
  objects: ObjectSyncConfig;
}

/**
 * What a host pod gets to talk to the virtual API server: the virtual service account tokens (requested by
 * the worker, renewed after `tokenRefreshFraction` of their lifetime) and where it reaches that server.
 */
export interface PodIdentityConfig {
  serviceAccountTokens: ServiceAccountTokenMode;
  tokenRefreshFraction: number;
  /** The virtual API server as host pods reach it (KUBERNETES_SERVICE_HOST/PORT, hostAliases); absent: not rewritten. */
  virtualApi?: { host: string; port: number };
}

export interface ObjectSyncConfig {
  /** VIRTUAL_DNS_SERVER: the virtual cluster's DNS service as host pods reach it; ClusterFirst host pods resolve through it. */
  dnsServer?: string;
  /** STORAGE_CLASS_MAP `virtual=host,...`: a claim's storage class on the host (a class not named keeps its name). */
  storageClasses: StorageClassMap;
}

/**
 * The node proxy (the kubelet API of podferry's virtual nodes). The worker reads `advertiseAddress` and `port`
 * for the Node objects it creates; `podferry node-proxy` needs TLS and the client CA (nodeProxyServing).
 */
export interface NodeProxyConfig {
  host: string;
  port: number;
  /** The address virtual nodes advertise: an IP (InternalIP) or a DNS name (Hostname) the virtual API server reaches. */
  advertiseAddress?: string;
  tls?: { certFile: string; keyFile: string };
  /** The CA that signs the virtual API server's kubelet client certificate. */
  clientCaFile?: string;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_TOKEN_LENGTH = 16;

/** Collects problems instead of throwing at the first, so the error lists them all. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(key: string): string | undefined {
    const v = this.env[key]?.trim();
    return v === '' ? undefined : v;
  }

  string(key: string, opts: { required?: boolean; fallback?: string; pattern?: RegExp; hint?: string } = {}): string | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (opts.required) this.problems.push(`${key} is required${opts.hint ? ` (${opts.hint})` : ''}`);
      return opts.fallback;
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      this.problems.push(`${key}=${JSON.stringify(v)} is invalid${opts.hint ? `: expected ${opts.hint}` : ''}`);
      return opts.fallback;
    }
    return v;
  }

  number(key: string, fallback: number, opts: { min: number; max: number; integer?: boolean }): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    const kind = opts.integer ? 'an integer' : 'a number';
    if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n < opts.min || n > opts.max) {
      this.problems.push(`${key}=${JSON.stringify(v)} is invalid: expected ${kind} from ${opts.min} to ${opts.max}`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw(key)?.toLowerCase();
    if (v === undefined) return fallback;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    this.problems.push(`${key}=${JSON.stringify(v)} is invalid: expected true or false`);
    return fallback;
  }

  file(key: string, required: boolean, hint?: string): string | undefined {
    const v = this.string(key, { required, hint });
    if (v !== undefined && !existsSync(v)) this.problems.push(`${key}=${JSON.stringify(v)}: no such file`);
    return v;
  }

  redisUrl(key: string): string | undefined {
    const v = this.string(key, { required: true, hint: 'e.g. redis://127.0.0.1:6379' });
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol === 'redis:' || u.protocol === 'rediss:') return v;
    } catch {
      // reported below with the same message as a wrong scheme
    }
    this.problems.push(`${key} is invalid: expected a redis:// or rediss:// URL`);
    return undefined;
  }

  tokens(): string[] {
    const list = [this.raw('WEBHOOK_TOKEN'), ...(this.raw('WEBHOOK_TOKENS')?.split(',') ?? [])]
      .map((t) => t?.trim())
      .filter((t): t is string => !!t);
    // Never echo a token back, not even a short one: the error message ends up in logs.
    if (list.some((t) => t.length < MIN_TOKEN_LENGTH)) {
      this.problems.push(`WEBHOOK_TOKEN/WEBHOOK_TOKENS: every token must be at least ${MIN_TOKEN_LENGTH} characters`);
    }
    return list;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** `fn`: the function loading it; only the webhook must know how to authenticate its callers. */
export function loadConfig(env: Env = process.env, fn: 'webhook' | 'worker' | 'host-watch' | 'node-proxy' | 'start' = 'webhook'): Readonly<Config> {
  const r = new Reader(env);
  const dnsLabel = 'a lowercase DNS label (a-z, 0-9, "-", at most 63 characters)';

  const cluster = r.string('PODFERRY_CLUSTER', { required: true, pattern: DNS_LABEL, hint: `the virtual cluster's name, ${dnsLabel}` });
  const redisUrl = r.redisUrl('REDIS_URL');
  const virtualKubeconfig = r.file('VIRTUAL_KUBECONFIG', true, 'path to the virtual API server kubeconfig');
  const hostKubeconfig = r.file('HOST_KUBECONFIG', false);
  const hostNamespace = r.string('HOST_NAMESPACE', { required: true, pattern: DNS_LABEL, hint: dnsLabel });
  const serviceAccount = r.string('HOST_SERVICE_ACCOUNT', { fallback: 'default', pattern: DNS_SUBDOMAIN, hint: 'a DNS subdomain' });
  const queuePrefix = r.string('QUEUE_PREFIX', { fallback: 'podferry', pattern: /^[^\s:]{1,64}$/, hint: 'up to 64 characters without spaces or ":"' });
  const logLevel = r.string('LOG_LEVEL', { fallback: 'info', pattern: new RegExp(`^(${LOG_LEVELS.join('|')})$`), hint: LOG_LEVELS.join(', ') });

  const certFile = r.file('TLS_CERT_FILE', false);
  const keyFile = r.file('TLS_KEY_FILE', false);
  if ((env.TLS_CERT_FILE?.trim() ? 1 : 0) + (env.TLS_KEY_FILE?.trim() ? 1 : 0) === 1) {
    r.problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  const clientCaFile = r.file('CLIENT_CA_FILE', false);
  if (env.CLIENT_CA_FILE?.trim() && !(env.TLS_CERT_FILE?.trim() && env.TLS_KEY_FILE?.trim())) {
    r.problems.push('CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE: client certificates only exist over TLS');
  }
  const virtualUser = r.string('PODFERRY_VIRTUAL_USER');
  const tokens = r.tokens();
  const allowUnauthenticated = r.boolean('WEBHOOK_ALLOW_UNAUTHENTICATED', false);
  if (fn === 'webhook' && !clientCaFile && tokens.length === 0 && !allowUnauthenticated) {
    r.problems.push('the webhook has no way to authenticate callers: set CLIENT_CA_FILE or WEBHOOK_TOKENS (or WEBHOOK_ALLOW_UNAUTHENTICATED=true for local development)');
  }

  // Names a host-watch instance in its lease (a pod name through the downward API); default: host name and a suffix.
  const hostWatchInstance = r.string('HOST_WATCH_INSTANCE', { pattern: /^[^\s:]{1,253}$/, hint: 'up to 253 characters without spaces or ":"' });

  let podPolicy: PodPolicy | undefined;
  try {
    podPolicy = parsePodPolicy({ level: env.POD_SECURITY, exceptions: env.POD_POLICY, csiDrivers: env.CSI_DRIVERS });
  } catch (err) {
    r.problems.push(`POD_SECURITY/POD_POLICY/CSI_DRIVERS is invalid: ${(err as Error).message}`);
  }

  let hostMetadata: MetadataFilter | undefined;
  try {
    hostMetadata = parseMetadataFilter({ labelDeny: env.HOST_LABEL_DENY, annotationDeny: env.HOST_ANNOTATION_DENY });
  } catch (err) {
    r.problems.push((err as Error).message);
  }

  const config = {
    cluster: cluster ?? '',
    redisUrl: redisUrl ?? '',
    queuePrefix: queuePrefix ?? 'podferry',
    logLevel: (logLevel ?? 'info') as LogLevel,
    virtual: { kubeconfig: virtualKubeconfig ?? '', ...(virtualUser ? { user: virtualUser } : {}) },
    host: {
      ...(hostKubeconfig ? { kubeconfig: hostKubeconfig } : {}),
      namespace: hostNamespace ?? '',
      serviceAccount: serviceAccount ?? 'default',
      qps: r.number('HOST_QPS', 100, { min: 0.1, max: 10_000 }),
    },
    worker: {
      concurrency: r.number('WORKER_CONCURRENCY', 20, { min: 1, max: 1000, integer: true }),
      resyncIntervalSeconds: r.number('RESYNC_INTERVAL_SECONDS', 60, { min: 10, max: 86_400, integer: true }),
      startupCoalesceMs: r.number('STATUS_STARTUP_COALESCE_MS', 1000, { min: 0, max: 60_000, integer: true }),
    },
    hostWatch: {
      leaseSeconds: r.number('HOST_WATCH_LEASE_SECONDS', 10, { min: 2, max: 300, integer: true }),
      staleSeconds: r.number('HOST_WATCH_STALE_SECONDS', 30, { min: 3, max: 3600, integer: true }),
      ...(hostWatchInstance ? { instance: hostWatchInstance } : {}),
    },
    metrics: { port: r.number('METRICS_PORT', 9464, { min: 0, max: 65_535, integer: true }) },
    webhook: {
      host: r.string('WEBHOOK_HOST', { fallback: '0.0.0.0' }) ?? '0.0.0.0',
      port: r.number('WEBHOOK_PORT', 8443, { min: 0, max: 65_535, integer: true }),
      ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
      ...(clientCaFile ? { clientCaFile } : {}),
      tokens,
      allowUnauthenticated,
    },
    podPolicy: podPolicy as PodPolicy,
    hostMetadata: hostMetadata as MetadataFilter,
    nodeProxy: readNodeProxy(r, env),
    podIdentity: readPodIdentity(r, env),
    objects: readObjectSync(r, env),
  } satisfies Config;

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

function readNodeProxy(r: Reader, env: Env): NodeProxyConfig {
  const certFile = r.file('NODE_PROXY_TLS_CERT_FILE', false);
  const keyFile = r.file('NODE_PROXY_TLS_KEY_FILE', false);
  if ((env.NODE_PROXY_TLS_CERT_FILE?.trim() ? 1 : 0) + (env.NODE_PROXY_TLS_KEY_FILE?.trim() ? 1 : 0) === 1) {
    r.problems.push('NODE_PROXY_TLS_CERT_FILE and NODE_PROXY_TLS_KEY_FILE must be set together');
  }
  const clientCaFile = r.file('NODE_PROXY_CLIENT_CA_FILE', false);
  let advertiseAddress = r.string('NODE_PROXY_ADVERTISE_ADDRESS');
  if (advertiseAddress !== undefined && isIP(advertiseAddress) === 0 && !DNS_SUBDOMAIN.test(advertiseAddress)) {
    r.problems.push(`NODE_PROXY_ADVERTISE_ADDRESS=${JSON.stringify(advertiseAddress)} is invalid: expected an IP address or a DNS name`);
    advertiseAddress = undefined;
  }
  return {
    host: r.string('NODE_PROXY_HOST', { fallback: '0.0.0.0' }) ?? '0.0.0.0',
    port: r.number('NODE_PROXY_PORT', 10250, { min: 0, max: 65_535, integer: true }),
    ...(advertiseAddress ? { advertiseAddress } : {}),
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
    ...(clientCaFile ? { clientCaFile } : {}),
  };
}

function readPodIdentity(r: Reader, env: Env): PodIdentityConfig {
  const mode = r.string('SERVICE_ACCOUNT_TOKENS', { fallback: DEFAULT_SERVICE_ACCOUNT_TOKEN_MODE, pattern: new RegExp(`^(${SERVICE_ACCOUNT_TOKEN_MODES.join('|')})$`), hint: 'secret (tokens for the virtual API in a host Secret), annotation (in the host pod\'s annotations, as vCluster does by default) or remove (no token)' }) as ServiceAccountTokenMode;
  const tokenRefreshFraction = r.number('SERVICE_ACCOUNT_TOKEN_REFRESH_FRACTION', DEFAULT_TOKEN_REFRESH_FRACTION, { min: 0.0001, max: 1 });
  let host = r.string('VIRTUAL_API_SERVICE_HOST');
  if (host !== undefined && isIP(host) === 0 && !DNS_SUBDOMAIN.test(host)) {
    r.problems.push(`VIRTUAL_API_SERVICE_HOST=${JSON.stringify(host)} is invalid: expected an IP address or a DNS name`);
    host = undefined;
  }
  const port = r.number('VIRTUAL_API_SERVICE_PORT', 443, { min: 1, max: 65_535, integer: true });
  if (env.VIRTUAL_API_SERVICE_PORT?.trim() && !env.VIRTUAL_API_SERVICE_HOST?.trim()) {
    r.problems.push('VIRTUAL_API_SERVICE_PORT needs VIRTUAL_API_SERVICE_HOST: the address host pods reach the virtual API server at');
  }
  return { serviceAccountTokens: mode, tokenRefreshFraction, ...(host ? { virtualApi: { host, port } } : {}) };
}

/** How the worker translates pods, from the configuration: one place for `podferry worker` and `npm start`. */
export function translateContext(config: Readonly<Config>): TranslateContext {
  const api = config.podIdentity.virtualApi;
  return {
    vcluster: config.cluster,
    hostNamespace: config.host.namespace,
    hostServiceAccount: config.host.serviceAccount,
    metadataFilter: config.hostMetadata,
    syncEphemeralContainers: true,
    serviceAccountTokens: config.podIdentity.serviceAccountTokens,
    ...(api ? { kubeIP: api.host, kubePort: api.port } : {}),
    storageClasses: config.objects.storageClasses,
    ...(config.objects.dnsServer ? { dnsIP: config.objects.dnsServer } : {}),
  };
}

function readObjectSync(r: Reader, env: Env): ObjectSyncConfig {
  let storageClasses: StorageClassMap = {};
  try {
    storageClasses = parseStorageClassMap(env.STORAGE_CLASS_MAP);
  } catch (err) {
    r.problems.push((err as Error).message);
  }
  const dnsServer = r.string('VIRTUAL_DNS_SERVER');
  if (dnsServer !== undefined && isIP(dnsServer) === 0) r.problems.push(`VIRTUAL_DNS_SERVER=${JSON.stringify(dnsServer)} is invalid: expected the IP address of the virtual cluster's DNS service as host pods reach it`);
  return { ...(dnsServer !== undefined && isIP(dnsServer) !== 0 ? { dnsServer } : {}), storageClasses };
}

/** What `podferry node-proxy` cannot serve without: its TLS pair and the CA its callers' certificates chain to. */
export function nodeProxyServing(config: Readonly<Config>): { tls: { certFile: string; keyFile: string }; clientCaFile: string } {
  const { tls, clientCaFile } = config.nodeProxy;
  const problems: string[] = [];
  if (!tls) problems.push('NODE_PROXY_TLS_CERT_FILE and NODE_PROXY_TLS_KEY_FILE are required: the virtual API server only calls kubelets over https');
  if (!clientCaFile) problems.push('NODE_PROXY_CLIENT_CA_FILE is required: the CA of the virtual API server\'s kubelet client certificate (--kubelet-client-certificate)');
  if (problems.length > 0) throw new ConfigError(problems);
  return { tls: tls!, clientCaFile: clientCaFile! };
}

/**
 * For a function's main: the loaded config, or the problems on stderr and exit code 2 (a configuration
 * error is the operator's to fix; a stack trace would only hide the list).
 */
export function configOrExit<T>(fn: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`podferry ${fn}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
