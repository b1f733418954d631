// `podferry dashboard` as a process, as a deployment runs it: configuration problems end it with code 2 and
// every problem named; configured, it listens, guards /queues, and exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import t from 'tap';
import { nodeEntryArgs, ROOT } from '../helpers/node-entry.js';
import { startRedis } from '../helpers/redis.js';

function runDashboard(env: Record<string, string>) {
  const child = spawn(process.execPath, nodeEntryArgs('functions/cli.ts', ['dashboard']), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d.toString(); });
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

t.test('when the configuration is incomplete, then the process exits 2 naming every problem', async (t) => {
  const run = runDashboard({ DASHBOARD_PASSWORD: 'short' });
  t.equal(await run.exited, 2);
  t.match(run.stderr(), /podferry dashboard: invalid configuration \(3 problems\)/);
  t.match(run.stderr(), /REDIS_URL is required/);
  t.match(run.stderr(), /DASHBOARD_USER is required/);
  t.match(run.stderr(), /DASHBOARD_PASSWORD must be at least 16 characters/);
  t.notMatch(run.stderr(), /short/);
});

t.test('when configured, then it serves the guarded board and stops cleanly on SIGTERM', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const password = 'a-dashboard-password';
  const run = runDashboard({ REDIS_URL: redis.url, DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: password, DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1', DASHBOARD_READ_ONLY: 'true', PODFERRY_CLUSTER: 'demo' });
  t.teardown(() => { if (run.child.exitCode === null) run.child.kill('SIGKILL'); });
  const until = Date.now() + 20_000;
  let url: string | undefined;
  while (!url && Date.now() < until && run.child.exitCode === null) {
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/queues)"/.exec(run.stdout())?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(url, `it logged where it listens (stderr: ${run.stderr().slice(-500)})`);
  t.notMatch(run.stdout(), new RegExp(password), 'the password is never logged');

  t.equal((await fetch(`${url}/`)).status, 401);
  const auth = { authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` };
  const list = await fetch(`${url}/api/queues`, { headers: auth });
  t.equal(list.status, 200);
  const body = (await list.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
  t.ok(body.queues.length > 0 && body.queues.every((q) => q.readOnlyMode), 'DASHBOARD_READ_ONLY reaches bull-board');
  t.equal((await fetch(url!.replace('/queues', '/healthz'))).status, 200);

  run.child.kill('SIGTERM');
  t.equal(await run.exited, 0, 'SIGTERM closes it gracefully');
});
