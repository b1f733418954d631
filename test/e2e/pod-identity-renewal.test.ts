// Pod identity, the renewal schedule at its real setting: a pod's token is due after 80 % of the 3607 s
// the injected projection asks for, one delayed `token` job per pod waits for it, and when that job is lost
// (removed from Redis here) the resync finds the overdue token secret and the token is renewed anyway.
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import t from 'tap';
import { hostObjectName } from '../../functions/_shared/core/names.js';
import { TOKEN_REFRESH_AT_ANNOTATION } from '../../functions/_shared/core/service-account-token.js';
import { eventually, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
t.before(async () => {
  stack = await startTestStack({ resyncIntervalSeconds: 2 });
});
t.teardown(() => stack?.stop());

const ns = 'default';
const isReady = (p: V1Pod | undefined) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const tokenOf = (s: V1Secret) => Object.values(s.data ?? {})[0];

t.test('when a pod starts, then one token job waits for 80 % of the token\'s lifetime; when that job is lost, resync renews the overdue token', async (t) => {
  await stack.virtualCore.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'kept' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  await eventually('Ready', async () => isReady(await stack.virtualCore.readNamespacedPod({ namespace: ns, name: 'kept' })), 30_000);
  const queue = stack.workers!.deps.queues.sync;
  const title = `token ${stack.endpoints.cluster}/${ns}/kept (ServiceAccountToken)`;
  const pending = (await queue.getJobs(['delayed', 'waiting'])).filter((j) => j?.name === title);
  t.equal(pending.length, 1, 'one renewal job per pod');
  const job = pending[0];
  const delaySeconds = (job.opts.delay ?? 0) / 1000;
  t.ok(delaySeconds > 0.79 * 3607 && delaySeconds <= 0.8 * 3607, `due after 80 % of 3607 s (delay ${delaySeconds} s)`);

  const name = hostObjectName('kept-sa-token', ns, stack.endpoints.cluster);
  const before = await stack.hostCore.readNamespacedSecret({ namespace: stack.endpoints.hostNamespace, name });
  // The job is lost, and the renewal time passes (as written in the secret: the clock cannot be moved).
  await job.remove();
  t.equal((await queue.getJobs(['delayed', 'waiting'])).filter((j) => j?.name === title).length, 0, 'no renewal job left');
  const overdue = structuredClone(before);
  overdue.metadata!.annotations![TOKEN_REFRESH_AT_ANNOTATION] = new Date(Date.now() - 1000).toISOString();
  await stack.hostCore.replaceNamespacedSecret({ namespace: stack.endpoints.hostNamespace, name, body: overdue });

  const renewed = await eventually('the token renewed after a resync', async () => {
    const s = await stack.hostCore.readNamespacedSecret({ namespace: stack.endpoints.hostNamespace, name });
    return tokenOf(s) !== tokenOf(before) && s;
  }, 30_000);
  t.ok(Date.parse(renewed.metadata!.annotations![TOKEN_REFRESH_AT_ANNOTATION]) > Date.now() + 0.79 * 3607_000, 'the next renewal is due in about 48 minutes again');
  // The secret is written before its job finishes (it still schedules the next renewal).
  t.ok(await eventually('the renewing job completed', async () => (await queue.getJobs(['completed'])).some((j) => j?.name === title && j.returnvalue === 'token-renewed')), 'a token job renewed it');
  await eventually('a renewal job waiting again', async () => (await queue.getJobs(['delayed'])).some((j) => j?.name === title));
});
