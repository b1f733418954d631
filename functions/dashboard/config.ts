// The dashboard's configuration from the environment. It needs only Redis and its own credentials, so it
// does not go through the syncer's loadConfig (which insists on kubeconfigs and webhook auth it has no use
// for). Every problem is named at once, and no password is ever echoed back.
import { ConfigError, type LogLevel } from '../_shared/config.js';

export interface DashboardConfig {
  redisUrl: string;
  queuePrefix: string;
  /** Shown in the board's title; optional because one Redis may serve a single cluster's queues anyway. */
  cluster?: string;
  host: string;
  port: number;
  user: string;
  password: string;
  readOnly: boolean;
  logLevel: LogLevel;
}

type Env = Record<string, string | undefined>;

export const MIN_PASSWORD_LENGTH = 16;
export const DEFAULT_DASHBOARD_PORT = 8080;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadDashboardConfig(env: Env): Readonly<DashboardConfig> {
  const problems: string[] = [];
  const get = (key: string) => {
    const v = env[key]?.trim();
    return v === '' ? undefined : v;
  };

  const redisUrl = get('REDIS_URL');
  if (!redisUrl) problems.push('REDIS_URL is required (e.g. redis://127.0.0.1:6379)');
  else if (!/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL is invalid: expected a redis:// or rediss:// URL');

  const queuePrefix = get('QUEUE_PREFIX') ?? 'podferry';
  if (!/^[^\s:]{1,64}$/.test(queuePrefix)) problems.push(`QUEUE_PREFIX=${JSON.stringify(queuePrefix)} is invalid: expected up to 64 characters without spaces or ":"`);

  const user = get('DASHBOARD_USER');
  if (!user) problems.push('DASHBOARD_USER is required: the dashboard can retry and delete jobs, so it never runs without sign-in');
  else if (user.includes(':')) problems.push('DASHBOARD_USER may not contain ":" (HTTP Basic separates user and password with it)');

  // Not trimmed: a password may legitimately start or end with a space.
  const password = env.DASHBOARD_PASSWORD ?? '';
  if (!password) problems.push('DASHBOARD_PASSWORD is required');
  else if (password.length < MIN_PASSWORD_LENGTH) problems.push(`DASHBOARD_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);

  const rawPort = get('DASHBOARD_PORT');
  const port = rawPort === undefined ? DEFAULT_DASHBOARD_PORT : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`DASHBOARD_PORT=${JSON.stringify(rawPort)} is invalid: expected an integer from 0 to 65535`);

  const rawReadOnly = get('DASHBOARD_READ_ONLY')?.toLowerCase();
  const readOnly = rawReadOnly === 'true' || rawReadOnly === '1';
  if (rawReadOnly !== undefined && !['true', '1', 'false', '0'].includes(rawReadOnly)) {
    problems.push(`DASHBOARD_READ_ONLY=${JSON.stringify(rawReadOnly)} is invalid: expected true or false`);
  }

  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)} is invalid: expected ${LOG_LEVELS.join(', ')}`);

  const cluster = get('PODFERRY_CLUSTER');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    redisUrl: redisUrl!,
    queuePrefix,
    ...(cluster ? { cluster } : {}),
    host: get('DASHBOARD_HOST') ?? '0.0.0.0',
    port,
    user: user!,
    password,
    readOnly,
    logLevel: logLevel as LogLevel,
  });
}
