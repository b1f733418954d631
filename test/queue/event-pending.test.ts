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
  const work = await reader.eventWork('web-x', ['gone', 'pulled']);
  t.same(Object.fromEntries(work.pending), { scheduled: '10', pulled: '11' }, 'per pod');
  t.same(work.names, ['scheduled', 'pulled', 'gone'], 'the pending ones, and a named one once');
  t.same(work.stashed.map((j) => j && JSON.parse(j).metadata.resourceVersion), ['10', '11', undefined], 'with their stash, in one command');
  t.equal(work.snapshot, undefined, 'no snapshot of a pod the watch does not know');
  // While the job tells them, "pulled" is updated on the host.
  await writer.stashEvents([ev('pulled', '15')], 60_000);
  await reader.eventsTold('web-x', work.pending);
  const again = await reader.eventWork('web-x', []);
  t.same(Object.fromEntries(again.pending), { pulled: '15' }, 'the newer version stays pending');
  t.same(again.stashed.map((j) => j && JSON.parse(j).metadata.resourceVersion), ['15']);
  await reader.eventsTold('web-x', again.pending);
  t.equal(await client.exists(keys.eventsPending('web-x')), 0, 'all told: the hash is gone');
  t.same(Object.fromEntries((await reader.eventWork('db-x', [])).pending), { other: '12' }, 'another pod\'s events untouched');
  t.same((await reader.eventWork('web-x', [])).names, [], 'nothing pending, nothing named: nothing to read');
});

t.test('when event jobs are made, then there is one per pod, held back a moment; old per-event job data still parses', async (t) => {
  const a = eventJob({ cluster: 'demo', hostPod: 'web-x' });
  t.equal(a.opts.deduplication.id, 'demo/PodEvents/web-x');
  t.ok(a.opts.delay > 0, 'delayed, so the rest of a burst of events joins it');
  t.same(parseEventJobData({ cluster: 'demo', hostEvent: 'web-x.17f', hostPod: 'web-x' }), { cluster: 'demo', hostPod: 'web-x', hostEvent: 'web-x.17f' });
  t.throws(() => parseEventJobData({ cluster: 'demo', hostPod: 'Not A Name' }));
});
