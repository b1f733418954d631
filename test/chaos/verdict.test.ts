import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { isClean, verdict } from '../../chaos/verdict.js';
import { hostCodes } from '../../chaos/faults.js';
import { totals } from '../../chaos/totals.js';

const virtualPod = (name: string, ready = true, uid = `uid-${name}`): V1Pod => ({
  metadata: { name, namespace: 'default', uid },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const hostPod = (name: string, uid = `uid-${name}`, suffix = ''): V1Pod => ({
  metadata: {
    name: `${name}-x-default-x-demo${suffix}`,
    annotations: { 'vcluster.loft.sh/object-name': name, 'vcluster.loft.sh/object-namespace': 'default', 'vcluster.loft.sh/object-uid': uid },
  },
});

const cases: Array<{ when: string; virtual: V1Pod[]; host: V1Pod[]; want: object }> = [
  { when: 'every pod has one host pod and is Ready', virtual: [virtualPod('a'), virtualPod('b')], host: [hostPod('a'), hostPod('b')], want: { pods: 2, lost: 0, duplicates: 0, orphans: 0, not_ready: 0 } },
  { when: 'a virtual pod has no host pod', virtual: [virtualPod('a'), virtualPod('b', false)], host: [hostPod('a')], want: { pods: 2, lost: 1, duplicates: 0, orphans: 0, not_ready: 1 } },
  { when: 'a virtual pod has two host pods', virtual: [virtualPod('a')], host: [hostPod('a'), hostPod('a', 'uid-a', '-2')], want: { pods: 1, lost: 0, duplicates: 1, orphans: 0, not_ready: 0 } },
  { when: 'a host pod has no virtual pod', virtual: [virtualPod('a')], host: [hostPod('a'), hostPod('ghost')], want: { pods: 1, lost: 0, duplicates: 0, orphans: 1, not_ready: 0 } },
  { when: 'a host pod belongs to an older pod of the same name', virtual: [virtualPod('a', true, 'new')], host: [hostPod('a', 'old')], want: { pods: 1, lost: 1, duplicates: 0, orphans: 1, not_ready: 0 } },
  { when: 'a synced pod is not Ready yet', virtual: [virtualPod('a', false)], host: [hostPod('a')], want: { pods: 1, lost: 0, duplicates: 0, orphans: 0, not_ready: 1 } },
];

for (const c of cases) {
  t.test(`when ${c.when}, then the verdict counts it`, async (t) => {
    const v = verdict(c.virtual, c.host);
    t.same(v, c.want);
    t.equal(isClean(v), Object.entries(c.want).every(([k, n]) => k === 'pods' || n === 0));
  });
}

t.test('when the host metrics are summed, then 5xx and 429 count as failed and the rest as served', async (t) => {
  const text = [
    '# HELP apiserver_request_total x',
    'apiserver_request_total{code="201",resource="pods",verb="create"} 10',
    'apiserver_request_total{code="500",resource="pods",verb="create"} 2',
    'apiserver_request_total{code="503",resource="pods",verb="get"} 1',
    'apiserver_request_total{code="429",resource="pods",verb="list"} 3',
    'apiserver_request_total{code="404",resource="pods",verb="get"} 4',
  ].join('\n');
  t.same(hostCodes(text), { total: 20, failed: 6 });
});

t.test('when scenarios are totalled, then counts add up and converge_s is the slowest or null if one never converged', async (t) => {
  const r = (converge: number | null, lost = 0) => ({ pods: 10, lost, duplicates: 0, orphans: 0, not_ready: lost, converge_s: converge });
  t.same(totals([r(3), r(12.5)]), { pods: 20, lost: 0, duplicates: 0, orphans: 0, not_ready: 0, converge_s: 12.5, converge_target_s: 30 });
  t.equal(totals([r(3), r(null, 2)]).converge_s, null);
  t.equal(totals([r(3), r(null, 2)]).lost, 2);
});
