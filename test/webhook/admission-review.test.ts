import t from 'tap';
import { reviewAdmission, type AdmissionRequest } from '../../functions/webhook/admission-review.js';
import { DEFAULT_POD_POLICY, parsePodPolicy } from '../../functions/_shared/core/policy.js';

const pod = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  metadata: { name: 'web', namespace: 'default', ...meta },
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
});
const req = (over: Partial<AdmissionRequest>): AdmissionRequest => ({
  uid: 'r', operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, name: 'web', namespace: 'default', object: pod(), dryRun: false, ...over,
});

const table: Array<[string, AdmissionRequest, { allowed: boolean; sync?: object; skipped?: string }]> = [
  ['when a plain pod is created, then allowed and synced', req({}), { allowed: true, sync: { name: 'web' } }],
  ['when the pod has a uid, then the ref carries it', req({ object: pod({}, { uid: 'u1' }) }), { allowed: true, sync: { name: 'web', uid: 'u1' } }],
  ['when request.name is empty, then the object name is used', req({ name: '' }), { allowed: true, sync: { name: 'web' } }],
  ['when no name is known, then allowed without sync', req({ name: '', object: pod({}, { name: undefined }) }), { allowed: true, skipped: 'no name yet' }],
  ['when the name is not a DNS name, then allowed without sync', req({ name: 'x:y' }), { allowed: true, skipped: 'not a valid name' }],
  ['when hostPID is asked, then denied', req({ object: pod({ hostPID: true }) }), { allowed: false }],
  ['when dry run, then allowed without sync', req({ dryRun: true }), { allowed: true, skipped: 'dry run' }],
  ['when DELETE, then allowed without sync', req({ operation: 'DELETE', object: null }), { allowed: true, skipped: 'operation DELETE' }],
  ['when a subresource, then allowed without a check', req({ subResource: 'status', object: pod({ hostPID: true }) }), { allowed: true, skipped: 'subresource status' }],
  ['when kubectl debug adds a privileged ephemeral container, then the pods/ephemeralcontainers update is denied', req({ operation: 'UPDATE', subResource: 'ephemeralcontainers', object: pod({ ephemeralContainers: [{ name: 'dbg', image: 'busybox', securityContext: { privileged: true } }] }) }), { allowed: false }],
  ['when an allowed ephemeral container is added, then it is synced', req({ operation: 'UPDATE', subResource: 'ephemeralcontainers', object: pod({ ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] }) }), { allowed: true, sync: { name: 'web' } }],
  ['when not a pod, then allowed', req({ resource: { group: '', resource: 'secrets' } }), { allowed: true, skipped: 'not a pod' }],
  ['when the object is missing, then allowed without sync', req({ object: null }), { allowed: true, skipped: 'no object' }],
];

for (const [name, request, want] of table) {
  t.test(name, async (t) => {
    const out = reviewAdmission(request, DEFAULT_POD_POLICY, 'vc1');
    t.equal(out.response.uid, 'r');
    t.equal(out.response.allowed, want.allowed);
    if (want.sync) t.same(out.syncRef, { cluster: 'vc1', kind: 'Pod', namespace: 'default', ...want.sync });
    else t.equal(out.syncRef, undefined);
    if (want.skipped) t.equal(out.skipped, want.skipped);
    if (!want.allowed) t.match(out.response.status, { code: 403, reason: 'Forbidden', message: /hostPID is true|ephemeralContainers\[0\]\.securityContext\.privileged is true/ });
  });
}

t.test('when the policy lifts a rule, then the pod that needs it is allowed', async (t) => {
  const out = reviewAdmission(req({ object: pod({ hostPID: true }) }), parsePodPolicy({ exceptions: 'hostPID' }), 'vc1');
  t.equal(out.response.allowed, true);
});
