// The dashboard through inject() on a real Redis: who gets in, what bull-board lists, and that read-only
// mode really refuses job actions (bull-board enforces it server-side, not only by hiding buttons).
import t, { type Test } from 'tap';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { buildDashboard } from '../../functions/dashboard/app.js';
import { startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

const credentials = { user: 'admin', password: 'correct-horse-battery-staple' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const signedIn = { authorization: basic(credentials.user, credentials.password) };
const silent = { write() {} };

let redis: RedisHandle;
let prefix: string;
let jobId: string;
let producer: Queue;
t.before(async () => {
  redis = await startRedis();
  prefix = uniquePrefix('dash');
  producer = new Queue('sync', { connection: { url: redis.url }, prefix });
  const job = await producer.add('sync demo/default/web', { cluster: 'demo', kind: 'Pod', namespace: 'default', name: 'web', reason: 'admission' });
  await job.log('2026-01-01T00:00:00.000Z translated');
  jobId = job.id!;
});
t.teardown(async () => {
  await producer?.close();
  await redis?.stop();
});

function dashboard(t: Test, readOnly = false): FastifyInstance {
  const app = buildDashboard({ redisUrl: redis.url, queuePrefix: prefix, credentials, readOnly, cluster: 'demo', logStream: silent });
  t.teardown(() => app.close());
  return app;
}

t.test('when a request has no credentials or wrong ones, then it gets 401 with a Basic challenge', async (t) => {
  const app = dashboard(t);
  const cases: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['wrong password', { authorization: basic('admin', 'not-the-password-at-all') }],
    ['wrong user', { authorization: basic('root', credentials.password) }],
    ['password prefix only', { authorization: basic('admin', 'correct-horse') }],
    ['a bearer token', { authorization: `Bearer ${credentials.password}` }],
    ['no colon', { authorization: `Basic ${Buffer.from('admin').toString('base64')}` }],
  ];
  for (const [what, headers] of cases) {
    for (const url of ['/queues', '/queues/', '/queues/api/queues', `/queues/api/queues/sync/${jobId}/logs`]) {
      const res = await app.inject({ method: 'GET', url, headers });
      t.equal(res.statusCode, 401, `${what}: ${url}`);
      t.match(res.headers['www-authenticate'], /^Basic realm="podferry dashboard"/, `${what}: ${url} asks the browser to sign in`);
      t.notMatch(res.body, /sync demo/, `${what}: ${url} reveals no job`);
    }
  }
});

t.test('when the right credentials are sent, then the board page and its API answer 200', async (t) => {
  const app = dashboard(t);
  const page = await app.inject({ method: 'GET', url: '/queues', headers: signedIn });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /podferry demo/, 'the board title names the cluster');
  t.match(page.body, /<base href="\/queues\/"/, 'asset URLs resolve under the base path');
  const script = /src="(static\/js\/main[^"]+\.js)"/.exec(page.body)?.[1];
  t.ok(script, 'the page loads its main script');
  const asset = await app.inject({ method: 'GET', url: `/queues/${script}`, headers: signedIn });
  t.equal(asset.statusCode, 200, 'the script is served');
  t.equal((await app.inject({ method: 'GET', url: `/queues/${script}` })).statusCode, 401, 'assets are guarded too');
});

t.test('when signed in, then bull-board lists every podferry queue with its jobs and logs', async (t) => {
  const app = dashboard(t);
  const res = await app.inject({ method: 'GET', url: '/queues/api/queues?activeQueue=sync&status=latest&page=1&jobsPerPage=10', headers: signedIn });
  t.equal(res.statusCode, 200);
  const body = res.json() as { queues: Array<{ name: string; readOnlyMode: boolean; description?: string; jobs: Array<{ id: string; name: string; data: unknown }> }> };
  t.same(body.queues.map((q) => q.name).sort(), ['event', 'resync', 'status', 'sync']);
  const sync = body.queues.find((q) => q.name === 'sync')!;
  t.equal(sync.readOnlyMode, false);
  t.match(sync.description, /virtual pod/);
  t.match(sync.jobs, [{ id: jobId, name: 'sync demo/default/web', data: { namespace: 'default', name: 'web' } }]);
  const logs = await app.inject({ method: 'GET', url: `/queues/api/queues/sync/${jobId}/logs`, headers: signedIn });
  t.equal(logs.statusCode, 200);
  t.same(logs.json(), ['2026-01-01T00:00:00.000Z translated']);
});

t.test('when read-only, then job and queue actions answer 405 and change nothing', async (t) => {
  const app = dashboard(t, true);
  const list = (await app.inject({ method: 'GET', url: '/queues/api/queues', headers: signedIn })).json() as { queues: Array<{ readOnlyMode: boolean }> };
  t.ok(list.queues.every((q) => q.readOnlyMode), 'every queue is marked read-only for the UI');
  const actions = [
    `/queues/api/queues/sync/${jobId}/clean`,
    `/queues/api/queues/sync/${jobId}/retry`,
    `/queues/api/queues/sync/${jobId}/promote`,
    '/queues/api/queues/sync/clean/completed',
    '/queues/api/queues/sync/retry/failed',
    '/queues/api/queues/sync/pause',
    '/queues/api/queues/sync/empty',
  ];
  for (const url of actions) {
    const res = await app.inject({ method: 'PUT', url, headers: signedIn });
    t.equal(res.statusCode, 405, url);
  }
  const add = await app.inject({ method: 'POST', url: '/queues/api/queues/sync/add', headers: signedIn, payload: { name: 'x', data: {} } });
  t.equal(add.statusCode, 405, 'adding a job is refused');
  t.ok(await producer.getJob(jobId), 'the job is still there');
  t.equal(await producer.isPaused(), false, 'the queue is not paused');
});

t.test('when writable, then a signed-in same-origin action works and a cross-origin one is refused', async (t) => {
  const extra = await producer.add('sync demo/default/extra', { cluster: 'demo', kind: 'Pod', namespace: 'default', name: 'extra', reason: 'admission' });
  const app = dashboard(t);
  const crossSite = await app.inject({ method: 'PUT', url: `/queues/api/queues/sync/${extra.id}/clean`, headers: { ...signedIn, 'sec-fetch-site': 'cross-site' } });
  t.equal(crossSite.statusCode, 403, 'a browser-marked cross-site write is refused');
  const otherOrigin = await app.inject({ method: 'PUT', url: `/queues/api/queues/sync/${extra.id}/clean`, headers: { ...signedIn, origin: 'https://evil.example', host: 'localhost:8080' } });
  t.equal(otherOrigin.statusCode, 403, 'a write from another origin is refused');
  t.ok(await producer.getJob(extra.id!), 'the job survived both');
  const unsigned = await app.inject({ method: 'PUT', url: `/queues/api/queues/sync/${extra.id}/clean` });
  t.equal(unsigned.statusCode, 401, 'an unsigned write is refused');
  const own = await app.inject({ method: 'PUT', url: `/queues/api/queues/sync/${extra.id}/clean`, headers: { ...signedIn, origin: 'http://localhost:8080', host: 'localhost:8080', 'sec-fetch-site': 'same-origin' } });
  t.equal(own.statusCode, 204, 'the dashboard itself may remove a job');
  t.equal(await producer.getJob(extra.id!), undefined, 'the job is gone');
});

t.test('when not signed in, then /healthz answers and / redirects to the board', async (t) => {
  const app = dashboard(t);
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });
  const root = await app.inject({ method: 'GET', url: '/' });
  t.equal(root.statusCode, 302);
  t.equal(root.headers.location, '/queues/');
});

t.test('when Redis is down, then /healthz says so with 503', async (t) => {
  const down = await startRedis();
  const app = buildDashboard({ redisUrl: down.url, queuePrefix: prefix, credentials, logStream: silent });
  t.teardown(() => app.close());
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  await down.stop();
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(res.statusCode, 503);
  t.same(res.json(), { status: 'redis unavailable' });
});
