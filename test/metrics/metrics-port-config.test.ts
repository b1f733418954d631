// METRICS_PORT: where a worker process serves /metrics.
import t from 'tap';
import { ConfigError, loadConfig } from '../../functions/_shared/config.js';

const dir = t.testdir({ 'virtual.kubeconfig': 'kind: Config\n' });
const base = {
  PODFERRY_CLUSTER: 'demo',
  REDIS_URL: 'redis://127.0.0.1:6379',
  VIRTUAL_KUBECONFIG: `${dir}/virtual.kubeconfig`,
  HOST_NAMESPACE: 'vcluster-demo',
  WEBHOOK_ALLOW_UNAUTHENTICATED: 'true',
};

t.test('when METRICS_PORT is unset, then 9464 (the OpenTelemetry Prometheus exporter\'s port, free of clashes)', async (t) => {
  t.equal(loadConfig(base).metrics.port, 9464);
});

t.test('when METRICS_PORT is a port or 0, then it is taken', async (t) => {
  t.equal(loadConfig({ ...base, METRICS_PORT: '9100' }).metrics.port, 9100);
  t.equal(loadConfig({ ...base, METRICS_PORT: '0' }).metrics.port, 0, '0 asks for any free port');
});

t.test('when METRICS_PORT is not a port, then the ConfigError names it', async (t) => {
  for (const bad of ['http', '70000', '-1', '80.5']) {
    const err = t.throws(() => loadConfig({ ...base, METRICS_PORT: bad })) as ConfigError;
    t.ok(err.problems.some((p) => p.startsWith('METRICS_PORT=')), `rejects ${bad}`);
  }
});
