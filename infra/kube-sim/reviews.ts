// The two "who am I / may I" endpoints kubectl uses: `kubectl auth whoami` (SelfSubjectReview) and
// `kubectl auth can-i` (SelfSubjectAccessReview). The simulator has no authorizer, so every authenticated
// caller may do everything, as a system:masters user may on a real cluster; the answer says so.
import type { UserInfo } from './types.js';

export const REVIEW_GROUPS = [
  { group: 'authentication.k8s.io', version: 'v1', plural: 'selfsubjectreviews', kind: 'SelfSubjectReview' },
  { group: 'authorization.k8s.io', version: 'v1', plural: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview' },
] as const;

export type Review = (typeof REVIEW_GROUPS)[number];

export function reviewFor(path: string): Review | undefined {
  return REVIEW_GROUPS.find((r) => path === `/apis/${r.group}/${r.version}/${r.plural}`);
}

/** The created review: the request echoed back with its status filled in. */
export function answerReview(review: Review, body: Record<string, unknown>, user: UserInfo): Record<string, unknown> {
  const metadata = { creationTimestamp: null };
  if (review.kind === 'SelfSubjectReview') {
    const userInfo: Record<string, unknown> = { username: user.username, groups: user.groups };
    if (user.uid) userInfo.uid = user.uid;
    if (user.extra) userInfo.extra = user.extra;
    return { kind: review.kind, apiVersion: `${review.group}/${review.version}`, metadata, status: { userInfo } };
  }
  return {
    kind: review.kind, apiVersion: `${review.group}/${review.version}`, metadata,
    spec: body.spec ?? {},
    status: { allowed: true, reason: 'kube-sim has no authorizer: every authenticated user may do everything' },
  };
}

/** Discovery documents for the two groups, to merge into /apis. */
export function reviewDiscovery(): Array<[path: string, doc: Record<string, unknown>]> {
  return REVIEW_GROUPS.flatMap((r) => {
    const gv = { groupVersion: `${r.group}/${r.version}`, version: r.version };
    return [
      [`/apis/${r.group}`, { kind: 'APIGroup', apiVersion: 'v1', name: r.group, versions: [gv], preferredVersion: gv }],
      [`/apis/${r.group}/${r.version}`, {
        kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv.groupVersion,
        resources: [{ name: r.plural, singularName: r.plural.slice(0, -1), namespaced: false, kind: r.kind, verbs: ['create'] }],
      }],
    ] as Array<[string, Record<string, unknown>]>;
  });
}
