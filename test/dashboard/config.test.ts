import t from 'tap';
import { ConfigError } from '../../functions/_shared/config.js';
import { loadDashboardConfig } from '../../functions/dashboard/config.js';

const good = { REDIS_URL: 'redis://127.0.0.1:6379', DASHBOARD_USER: 'admin', DASHBOARD_PASSWORD: 'sixteen-chars-ok' };

t.test('when the environment is complete, then the config has defaults for the rest', async (t) => {
  t.same(loadDashboardConfig(good), {
    redisUrl: 'redis://127.0.0.1:6379',
    queuePrefix: 'podferry',
    host: '0.0.0.0',
    port: 8080,
    user: 'admin',
    password: 'sixteen-chars-ok',
    readOnly: false,
    logLevel: 'info',
  });
  const full = loadDashboardConfig({ ...good, PODFERRY_CLUSTER: 'demo', QUEUE_PREFIX: 'pf', DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1', DASHBOARD_READ_ONLY: 'TRUE', LOG_LEVEL: 'warn' });
  t.match(full, { cluster: 'demo', queuePrefix: 'pf', port: 0, host: '127.0.0.1', readOnly: true, logLevel: 'warn' });
  t.ok(Object.isFrozen(full));
});

t.test('when values are missing or wrong, then every problem is named at once and no password is echoed', async (t) => {
  const table: Array<[Record<string, string>, RegExp[]]> = [
    [{}, [/REDIS_URL is required/, /DASHBOARD_USER is required/, /DASHBOARD_PASSWORD is required/]],
    [{ ...good, REDIS_URL: 'http://x' }, [/REDIS_URL is invalid/]],
    [{ ...good, DASHBOARD_PASSWORD: 'short-secret' }, [/at least 16 characters/]],
    [{ ...good, DASHBOARD_USER: 'ad:min' }, [/may not contain ":"/]],
    [{ ...good, DASHBOARD_PORT: '70000' }, [/DASHBOARD_PORT="70000" is invalid/]],
    [{ ...good, DASHBOARD_PORT: 'http' }, [/DASHBOARD_PORT="http" is invalid/]],
    [{ ...good, DASHBOARD_READ_ONLY: 'yes' }, [/DASHBOARD_READ_ONLY="yes" is invalid/]],
    [{ ...good, QUEUE_PREFIX: 'a:b' }, [/QUEUE_PREFIX/]],
    [{ ...good, LOG_LEVEL: 'loud' }, [/LOG_LEVEL/]],
  ];
  for (const [env, wants] of table) {
    const err = t.throws(() => loadDashboardConfig(env)) as ConfigError;
    t.type(err, ConfigError);
    t.equal(err.problems.length, wants.length, JSON.stringify(env));
    for (const want of wants) t.match(err.message, want);
    t.notMatch(err.message, /short-secret/, 'the password is not in the message');
  }
});
