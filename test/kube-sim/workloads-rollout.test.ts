// The Deployment controller's arithmetic as tables: budgets, how far the new ReplicaSet grows, how far the old
// ones shrink from what is available, proportional scaling, completed job indexes.
import t from 'tap';
import { fenceposts, maxUnavailable, newRSNewReplicas, oldScaleDowns, proportionalSizes } from '../../infra/kube-sim/deployment-rollout.js';
import { formatIndexes, parseIndexes } from '../../infra/kube-sim/job-status.js';
import { templateHash } from '../../infra/kube-sim/workload-pods.js';
import type { KubeObject } from '../../infra/kube-sim/types.js';

const deployment = (replicas: number, maxSurge: unknown = '25%', maxUnavailableValue: unknown = '25%'): KubeObject => ({
  metadata: { name: 'd', generation: 1 },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: maxUnavailableValue } } },
});
let created = 0;
const rs = (name: string, replicas: number, available = replicas, maxReplicas?: number): KubeObject => ({
  metadata: { name, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, created++)).toISOString(), ...(maxReplicas ? { annotations: { 'deployment.kubernetes.io/max-replicas': String(maxReplicas) } } : {}) },
  spec: { replicas }, status: { replicas, availableReplicas: available },
});

t.test('when budgets are resolved, then surge rounds up, unavailability down, and both 0 means 1 unavailable', async (t) => {
  const cases: Array<[number, unknown, unknown, { maxSurge: number; maxUnavailable: number }]> = [
    [3, '25%', '25%', { maxSurge: 1, maxUnavailable: 0 }],
    [10, '25%', '25%', { maxSurge: 3, maxUnavailable: 2 }],
    [4, 0, '50%', { maxSurge: 0, maxUnavailable: 2 }],
    [5, '0%', '10%', { maxSurge: 0, maxUnavailable: 1 }],
    [3, 2, 1, { maxSurge: 2, maxUnavailable: 1 }],
  ];
  for (const [replicas, surge, unavailable, want] of cases) t.same(fenceposts(deployment(replicas, surge, unavailable)), want, `${replicas} with ${surge}/${unavailable}`);
  t.equal(maxUnavailable(deployment(0)), 0, 'nothing may be unavailable of nothing');
});

t.test('when the new ReplicaSet may grow, then all ReplicaSets together stay within replicas + maxSurge', async (t) => {
  const cases: Array<[string, KubeObject, KubeObject[], number, number]> = [
    ['a fresh rollout of 3 with surge 1', deployment(3), [rs('old', 3)], 0, 1],
    ['the surge is in use', deployment(3), [rs('old', 3)], 1, 1],
    ['old ones shrank', deployment(3), [rs('old', 1)], 2, 3],
    ['never past replicas', deployment(3, 10), [rs('old', 0)], 1, 3],
  ];
  for (const [what, d, old, current, want] of cases) {
    const fresh = rs('new', current, 0);
    t.equal(newRSNewReplicas(d, [...old, fresh], fresh), want, what);
  }
});

t.test('when old ReplicaSets may shrink, then unavailable pods go first and availability stays above replicas - maxUnavailable', async (t) => {
  const sized = (plan: Map<KubeObject, number>) => [...plan].map(([r, n]) => `${r.metadata.name}=${n}`);
  t.same(sized(oldScaleDowns(deployment(3), [rs('old', 3)], rs('new', 1, 0))), [], 'the new pod is not available yet: nothing goes');
  t.same(sized(oldScaleDowns(deployment(3), [rs('old', 3)], rs('new', 1, 1))), ['old=2'], 'one new pod available: one old one goes');
  t.same(sized(oldScaleDowns(deployment(3, 0, 1), [rs('old', 3)], rs('new', 0, 0))), ['old=2'], 'maxUnavailable 1: one may go before any new pod');
  t.same(sized(oldScaleDowns(deployment(4, 1, 1), [rs('a', 2, 0), rs('b', 2, 2)], rs('new', 1, 0))), ['a=1'], 'unhealthy replicas are cleaned up first, within what may go (5 - 3 - 1 unavailable new = 1)');
});

t.test('when a Deployment mid-rollout is resized, then its ReplicaSets grow or shrink in proportion', async (t) => {
  const sizes = (d: KubeObject, sets: KubeObject[]) => {
    const { sizes: out, direction } = proportionalSizes(d, sets);
    return [direction, ...sets.map((s) => out.get(s))];
  };
  // 10 replicas, surge 3: 13 pods between the two; growing to 20 (surge 5) shares 12 more by size.
  t.same(sizes(deployment(20), [rs('old', 8, 8, 13), rs('new', 5, 0, 13)]), ['up', 15, 10]);
  t.same(sizes(deployment(5), [rs('old', 8, 8, 13), rs('new', 5, 0, 13)]), ['down', 4, 3]);
  t.same(sizes(deployment(0), [rs('old', 8, 8, 13), rs('new', 5, 0, 13)]), ['down', 0, 0]);
});

t.test('when completed indexes are printed, then three or more in a row become a range', async (t) => {
  t.equal(formatIndexes(new Set([1, 3, 4, 5, 7])), '1,3-5,7');
  t.equal(formatIndexes(new Set([0, 1])), '0,1');
  t.same([...parseIndexes('1,3-5,7')], [1, 3, 4, 5, 7]);
  t.equal(formatIndexes(parseIndexes('')), '');
});

t.test('when a template is hashed, then the hash is safe-encoded and ignores null fields but not real changes', async (t) => {
  const a = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  t.match(templateHash(a), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  t.equal(templateHash({ ...a, metadata: { ...a.metadata, creationTimestamp: null } }), templateHash(a));
  t.not(templateHash({ ...a, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }), templateHash(a));
  t.not(templateHash(a, 1), templateHash(a), 'a collision count changes the hash');
});
