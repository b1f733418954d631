// A host pod's events waiting for its one event job: the watch marks each event pending as it stashes it;
// the job marks what it told, and an event that got a newer version meanwhile stays pending for the next job.
import t from 'tap';
import { Redis } from 'ioredis';
import { createHostPodStateReader, createHostPodStateWriter } from '../../functions/_shared/queue/host-pod-state.js';
import { createLeaseStore } from '../../functions/_shared/queue/host-watch-lease.js';
import { hostWatchKeys } from '../../functions/_shared/queue/host-watch-keys.js';
import { eventJob, parseEventJobData } from '../../functions/_shared/queue/enqueue-event.js';
import { startRedis, uniquePrefix, type RedisHandle } from '../helpers/redis.js';

let redis: RedisHandle;
let client: Redis;
t.before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
t.teardown(async () => {
  client?.disconnect();
  await redis?.stop();
});

const ev = (name: string, rv: string, pod = 'web-x') => ({ name, hostPod: pod, resourceVersion: rv, json: JSON.stringify({ metadata: { name, resourceVersion: rv } }) });

t.test('when events are stashed, then they are pending for their pod until told, unless a newer version came meanwhile', async (t) => {
  const keys = hostWatchKeys(uniquePrefix('ev'), 'demo');
  const lease = (await createLeaseStore(client, keys, 'a', 5000).tryAcquire())!;
  const writer = createHostPodStateWriter(client, keys, () => lease.value, 5000);
  const reader = createHostPodStateReader(client, keys);
  await writer.stashEvents([ev('scheduled', '10'), ev('pulled', '11'), ev('other', '12', 'db-x')], 60_000);
  const pending = await reader.pendingEvents('web-x');
  t.same(Object.fromEntries(pending), { scheduled: '10', pulled: '11' }, 'per pod');
  t.same((await reader.stashedEvents(['scheduled', 'gone'])).map((j) => j && JSON.parse(j).metadata.resourceVersion), ['10', undefined], 'read in one command');
  // While the job tells them, "pulled" is updated on the host.
  await writer.stashEvents([ev('pulled', '15')], 60_000);
  await reader.eventsTold('web-x', pending);
  t.same(Object.fromEntries(await reader.pendingEvents('web-x')), { pulled: '15' }, 'the newer version stays pending');
  await reader.eventsTold('web-x', await reader.pendingEvents('web-x'));
  t.equal(await client.exists(keys.eventsPending('web-x')), 0, 'all told: the hash is gone');
  t.same(Object.fromEntries(await reader.pendingEvents('db-x')), { other: '12' }, 'another pod\'s events untouched');
});

t.test('when event jobs are made, then there is one per pod, held back a moment; old per-event job data still parses', async (t) => {
  const a = eventJob({ cluster: 'demo', hostPod: 'web-x' });
  t.equal(a.opts.deduplication.id, 'demo/PodEvents/web-x');
  t.ok(a.opts.delay > 0, 'delayed, so the rest of a burst of events joins it');
  t.same(parseEventJobData({ cluster: 'demo', hostEvent: 'web-x.17f', hostPod: 'web-x' }), { cluster: 'demo', hostPod: 'web-x', hostEvent: 'web-x.17f' });
  t.throws(() => parseEventJobData({ cluster: 'demo', hostPod: 'Not A Name' }));
});
