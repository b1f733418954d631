// The dashboard in a real browser: the whole stack, three pods made Ready through the virtual API, then
// headless Chromium (Debian's, driven by playwright-core) signs in with HTTP Basic, opens the completed
// sync jobs and reads their story. Screenshots go to $DASHBOARD_SCREENSHOT_DIR (default: the OS temp dir,
// under podferry-dashboard/); docs/dashboard.png is made with DASHBOARD_SCREENSHOT_DIR=docs.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const PODS = ['web-1', 'web-2', 'web-3'];
const screenshotDir = resolve(process.env.DASHBOARD_SCREENSHOT_DIR || join(tmpdir(), 'podferry-dashboard'));

if (!existsSync(CHROMIUM)) {
  t.test('dashboard in a real browser', { skip: `${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)` }, async () => {});
} else {
  let stack: TestStack;
  let browser: Browser;
  t.before(async () => {
    // Slow enough steps that the status job sees the pod scheduled, running and Ready, not only Ready.
    stack = await startTestStack({ kubeletStepMs: 300 });
    for (const name of PODS) {
      await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: { metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
    }
    await eventually('every pod Ready in the virtual cluster', async () => {
      const pods = await stack.virtualCore.listNamespacedPod({ namespace: 'default' });
      return pods.items.length === PODS.length && pods.items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 30_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await mkdir(screenshotDir, { recursive: true });
  });
  t.teardown(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A browser context that only ever talks to loopback (bull-board's page also asks for Google Fonts). */
  async function openPage(t: Test, password = stack.endpoints.dashboard.password): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, httpCredentials: { username: stack.endpoints.dashboard.user, password } });
    t.teardown(() => context.close());
    await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    return { context, page: await context.newPage() };
  }

  // Without any credentials, Chromium would hold the page on its own sign-in prompt, which headless
  // cannot answer; wrong credentials are tried once and then the 401 page is shown, as to a person.
  t.test('when the browser signs in with a wrong password, then the dashboard answers 401 and shows no job', async (t) => {
    const { context, page } = await openPage(t, 'not-the-dashboard-password');
    const response = await page.goto(`${stack.endpoints.dashboard.url}/queue/sync?status=completed`, { timeout: 10_000 });
    t.equal(response?.status(), 401);
    t.match(response?.headers()['www-authenticate'], /^Basic /, 'the browser is asked to sign in');
    t.notMatch(await page.content(), /sync demo\//);
    const anonymous = await context.request.get(`${stack.endpoints.dashboard.url}/api/queues`, { headers: { authorization: '' } });
    t.equal(anonymous.status(), 401, 'the API refuses a request without credentials');
  });

  t.test('when signed in, then the completed sync jobs show each pod created on the host, with timestamped steps', async (t) => {
    const { page } = await openPage(t);
    const response = await page.goto(`${stack.endpoints.dashboard.url}/queue/sync?status=completed`);
    t.equal(response?.status(), 200);
    for (const name of PODS) {
      const hostPod = `vcluster-demo/${name}-x-default-x-demo`;
      await page.getByText(`host pod ${hostPod} created`).waitFor({ timeout: 15_000 });
      t.ok(await page.getByText(`sync demo/default/${name}`, { exact: true }).first().isVisible(), `the job for ${name} is listed by name`);
      t.ok(await page.getByText(`translated to host pod ${hostPod}`).isVisible(), `${name}: translated`);
      t.ok(await page.getByText(`followed by job "status demo/default/${name}"`).isVisible(), `${name}: handed to status`);
    }
    const text = await page.locator('body').innerText();
    t.match(text, /COMPLETED\s+\d+/i, 'the completed tab is open');
    t.match(text, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z translated to host pod/, 'log lines carry timestamps');
    await page.screenshot({ path: join(screenshotDir, 'dashboard.png'), fullPage: true });
    t.comment(`screenshot: ${join(screenshotDir, 'dashboard.png')}`);
  });

  t.test('when signed in, then a completed status job tells the rest: scheduled, Ready, status patched', async (t) => {
    const { page } = await openPage(t);
    await page.goto(`${stack.endpoints.dashboard.url}/queue/status?status=completed`);
    await page.getByText(/host pod Ready on node \S+ \(pod IP [\d.]+\)/).first().waitFor({ timeout: 15_000 });
    const text = await page.locator('body').innerText();
    t.match(text, /status demo\/default\/web-1/);
    t.match(text, /host pod (scheduled|Running) on node/, 'an earlier step is in the log too');
    t.match(text, /virtual pod status patched( \(host state from the watch\))?: phase Running,.* Ready/);
    await page.screenshot({ path: join(screenshotDir, 'dashboard-status.png'), fullPage: true });
    t.comment(`screenshot: ${join(screenshotDir, 'dashboard-status.png')}`);
  });

  t.test('when a pod cannot pull its image, then its status job says so in the kubelet\'s words', async (t) => {
    await stack.virtualCore.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'broken' }, spec: { containers: [{ name: 'app', image: 'registry.example/sim-pull-fail:1.0' }] } } });
    await eventually('the virtual pod reports the pull failure', async () => {
      const pod = await stack.virtualCore.readNamespacedPod({ namespace: 'default', name: 'broken' });
      return /ErrImagePull|ImagePullBackOff/.test(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '');
    }, 20_000);
    const { page } = await openPage(t);
    // With the host watch healthy a status job looks once and completes (the watch brings the next change);
    // while it is down the job polls and waits in "delayed". Either way its log says why the pod is stuck.
    const line = page.getByText(/container app waiting: (ErrImagePull|ImagePullBackOff)/).first();
    await eventually('a status job that tells the pull failure', async () => {
      for (const state of ['completed', 'delayed']) {
        await page.goto(`${stack.endpoints.dashboard.url}/queue/status?status=${state}`);
        if (await line.waitFor({ timeout: 5_000 }).then(() => true, () => false)) return true;
      }
      return false;
    }, 60_000, 0);
    t.match(await line.innerText(), /host pod scheduled on node \S+, containers starting; container app waiting: (ErrImagePull|ImagePullBackOff) \(.*sim-pull-fail.*\)/);
    t.ok(await page.getByText('status demo/default/broken', { exact: true }).first().isVisible(), 'the job names the pod');
    await page.screenshot({ path: join(screenshotDir, 'dashboard-stuck.png') });
    t.comment(`screenshot: ${join(screenshotDir, 'dashboard-stuck.png')}`);
  });

  t.test('when the dashboard shows job data, then it holds references only, never a spec', async (t) => {
    const { context } = await openPage(t);
    for (const queue of ['sync', 'status', 'resync']) {
      const res = await context.request.get(`${stack.endpoints.dashboard.url}/api/queues?activeQueue=${queue}&status=completed&page=1&jobsPerPage=50`);
      t.equal(res.status(), 200);
      const body = (await res.json()) as { queues: Array<{ name: string; jobs: Array<{ name: string; data: unknown }> }> };
      const jobs = body.queues.find((q) => q.name === queue)!.jobs;
      t.ok(jobs.length > 0, `${queue} has completed jobs`);
      for (const job of jobs) t.notMatch(JSON.stringify(job.data), /spec|containers|image|nginx|labels/, `${job.name}: data ${JSON.stringify(job.data)}`);
    }
  });
}
