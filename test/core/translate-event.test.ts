// Host events told in virtual words: every host name in a message replaced, the involved object the virtual
// pod, the reporter and counts kept, and one stable virtual name per host event.
import t from 'tap';
import type { CoreV1Event } from '@kubernetes/client-node';
import { eventDiffers, hostToVirtualText, translateHostEvent, virtualEventName } from '../../functions/_shared/core/translate-event.js';

const HOST_UID = '11111111-1111-4111-8111-111111111111';
const VIRTUAL_UID = '22222222-2222-4222-8222-222222222222';
const ctx = { vcluster: 'demo', hostNamespace: 'vcluster-demo', hostPodName: 'web-x-default-x-demo', hostPodUid: HOST_UID, virtual: { namespace: 'default', name: 'web', uid: VIRTUAL_UID } };

t.test('when host texts are put in virtual words, then no host name is left', async (t) => {
  const table: Array<[string, string]> = [
    ['Successfully assigned vcluster-demo/web-x-default-x-demo to sim-node-1', 'Successfully assigned default/web to sim-node-1'],
    [`Back-off restarting failed container app in pod web-x-default-x-demo_vcluster-demo(${HOST_UID})`, `Back-off restarting failed container app in pod web_default(${VIRTUAL_UID})`],
    ['MountVolume.SetUp failed for volume "cfg" : configmap "app-config-x-default-x-demo" not found', 'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found'],
    ['Error: secret "db.creds-x-default-x-demo" not found', 'Error: secret "db.creds" not found'],
    ['Pulling image "nginx:1.27"', 'Pulling image "nginx:1.27"'],
    // Only whole names: a longer name that merely contains the host pod's name is left alone.
    ['pod web-x-default-x-demo-2 and vcluster-demo-other', 'pod web-x-default-x-demo-2 and vcluster-demo-other'],
    // Another namespace's objects are not this pod's to rename.
    ['configmap "x-x-other-x-demo" not found', 'configmap "x-x-other-x-demo" not found'],
  ];
  for (const [host, want] of table) t.equal(hostToVirtualText(host, ctx), want, host);
  // A host pod name hashed to 63 characters is replaced by the exact name the context gives.
  const hashed = { ...ctx, hostPodName: 'paaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x-default-x-demo-1a2b3', virtual: { ...ctx.virtual, name: `p${'a'.repeat(69)}` } };
  t.equal(hostToVirtualText(`Started container in ${hashed.hostPodName}`, hashed), `Started container in ${hashed.virtual.name}`);
});

const hostEvent = (over: Partial<CoreV1Event> = {}): CoreV1Event => ({
  metadata: { name: 'web-x-default-x-demo.17a2b3c4d5e6f708', namespace: 'vcluster-demo', resourceVersion: '812', uid: 'host-event-uid' },
  involvedObject: { kind: 'Pod', apiVersion: 'v1', name: 'web-x-default-x-demo', namespace: 'vcluster-demo', uid: HOST_UID, resourceVersion: '800', fieldPath: 'spec.containers{app}' },
  reason: 'BackOff',
  message: `Back-off restarting failed container app in pod web-x-default-x-demo_vcluster-demo(${HOST_UID})`,
  type: 'Warning',
  count: 3,
  firstTimestamp: new Date('2026-12-01T10:00:00Z'),
  lastTimestamp: new Date('2026-12-01T10:00:09Z'),
  source: { component: 'kubelet', host: 'sim-node-1' },
  reportingComponent: 'kubelet',
  reportingInstance: 'sim-node-1',
  ...over,
});

t.test('when a host event is translated, then it is about the virtual pod and keeps what it said and who said it', async (t) => {
  const v = translateHostEvent(hostEvent(), ctx);
  t.same(v.metadata, { name: 'web.17a2b3c4d5e6f708', namespace: 'default' }, 'the recorder\'s time suffix kept; no host uid, resourceVersion or namespace');
  t.same(v.involvedObject, { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'default', uid: VIRTUAL_UID, fieldPath: 'spec.containers{app}' });
  t.equal(v.reason, 'BackOff');
  t.equal(v.type, 'Warning');
  t.equal(v.count, 3);
  t.equal(v.message, `Back-off restarting failed container app in pod web_default(${VIRTUAL_UID})`);
  t.same(v.source, { component: 'kubelet', host: 'sim-node-1' });
  t.equal(v.reportingComponent, 'kubelet');
  t.equal(v.reportingInstance, 'sim-node-1');
  t.same([v.firstTimestamp, v.lastTimestamp], [new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T10:00:09Z')]);
  t.notOk(JSON.stringify(v).includes('vcluster-demo') || JSON.stringify(v).includes(HOST_UID), 'no host name or uid anywhere');
  t.equal(v.eventTime, undefined, 'an eventTime without an action is not carried');
  const withTime = translateHostEvent(hostEvent({ eventTime: new Date('2026-12-01T10:00:09.123Z') as unknown as CoreV1Event['eventTime'], action: 'Binding' }), ctx);
  t.ok(withTime.eventTime && withTime.action === 'Binding', 'with its action it is');
});

t.test('when a host event repeats, then it maps to the same virtual event, which differs only in what moved', async (t) => {
  const first = translateHostEvent(hostEvent(), ctx);
  const again = translateHostEvent(hostEvent({ count: 4, lastTimestamp: new Date('2026-12-01T10:00:30Z') }), ctx);
  t.equal(again.metadata?.name, first.metadata?.name, 'one virtual event per host event');
  t.ok(eventDiffers(first, again), 'the count moved');
  t.notOk(eventDiffers(first, translateHostEvent(hostEvent(), ctx)), 'the same event again needs no write');
  // Timestamps as the API returns them (strings, whole seconds) equal the Dates they came from.
  t.notOk(eventDiffers({ ...first, firstTimestamp: '2026-12-01T10:00:00Z' as unknown as Date }, first));
  t.not(virtualEventName('a.1', 'web'), virtualEventName('a.2', 'web'), 'distinct host events stay distinct');
  t.ok(virtualEventName('x', 'p'.repeat(253)).length <= 253, 'a long pod name still gives a valid name');
  // Named by the recorder after the host pod: the time suffix stays, so the virtual events sort as they happened.
  const names = ['18ed504cd3fce9c0', '18ed504cda2fd3c0', '18ed504ce0443940'].map((hex) => virtualEventName(`web-x-default-x-demo.${hex}`, 'web', 'web-x-default-x-demo'));
  t.same(names, ['web.18ed504cd3fce9c0', 'web.18ed504cda2fd3c0', 'web.18ed504ce0443940']);
  t.same([...names].reverse().sort(), names, 'in name order, which is time order');
  t.match(virtualEventName('other-pod.18ed504cd3fce9c0', 'web', 'web-x-default-x-demo'), /^web\.[0-9a-f]{16}$/, 'a suffix after another name is hashed');
  t.not(virtualEventName('other-pod.18ed504cd3fce9c0', 'web', 'web-x-default-x-demo'), 'web.18ed504cd3fce9c0');
  t.match(virtualEventName('web-x-default-x-demo.custom-name', 'web', 'web-x-default-x-demo'), /^web\.[0-9a-f]{16}$/, 'not a recorder name: hashed');
});
