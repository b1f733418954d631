// The bare /metrics server the worker processes use.
import t from 'tap';
import { startMetricsServer } from '../../functions/_shared/metrics/metrics-server.js';

t.test('when the server is asked for /metrics, then it serves the text; other paths and methods are refused', async (t) => {
  let fail = false;
  const server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    render: async () => {
      if (fail) throw new Error('redis gone');
      return '# TYPE x_total counter\nx_total 1\n';
    },
  });
  t.teardown(() => server.close());
  t.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/metrics$`));
  const ok = await fetch(server.url);
  t.equal(ok.status, 200);
  t.match(ok.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  t.equal(await ok.text(), '# TYPE x_total counter\nx_total 1\n');
  t.equal((await fetch(`${server.url}?debug=1`)).status, 200, 'a query string is ignored');
  const head = await fetch(server.url, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(await head.text(), '');
  t.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
  t.equal((await fetch(server.url, { method: 'POST', body: 'x' })).status, 405);
  fail = true;
  const broken = await fetch(server.url);
  t.equal(broken.status, 500);
  t.match(await broken.text(), /redis gone/);
});

t.test('when the port is taken, then starting fails instead of serving nothing', async (t) => {
  const first = await startMetricsServer({ host: '127.0.0.1', port: 0, render: async () => '' });
  t.teardown(() => first.close());
  await t.rejects(startMetricsServer({ host: '127.0.0.1', port: first.port, render: async () => '' }), { code: 'EADDRINUSE' });
});
