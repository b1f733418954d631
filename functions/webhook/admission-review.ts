// The admission decision as a pure function: what to answer and which pod (if any) to sync. The route
// around it only does I/O, so the rules here are table-tested without HTTP.
import type { V1Pod } from '@kubernetes/client-node';
import type { ObjectRef } from '../_shared/core/job-refs.js';
import { evaluatePodPolicy, type PodPolicy } from '../_shared/core/policy.js';
import { isNamespaceName, isPodName } from './object-names.js';

export interface AdmissionRequest {
  uid: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  resource: { group: string; version?: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  object?: Record<string, unknown> | null;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
}

export interface AdmissionOutcome {
  response: AdmissionResponse;
  /** The pod to sync, when the request was an allowed, real (not dry-run) pod write. */
  syncRef?: ObjectRef;
  /** Why the request did not lead to a policy check, for the debug log. */
  skipped?: string;
}

export function reviewAdmission(request: AdmissionRequest, policy: PodPolicy, cluster: string): AdmissionOutcome {
  const allow: AdmissionResponse = { uid: request.uid, allowed: true };
  const isPod = request.resource.group === '' && request.resource.resource === 'pods';
  if (!isPod) return { response: allow, skipped: 'not a pod' };
  // kubectl debug adds containers through pods/ephemeralcontainers; the object is the whole pod, checked as one.
  const checkedSubresource = request.subResource === 'ephemeralcontainers';
  if (request.subResource && !checkedSubresource) return { response: allow, skipped: `subresource ${request.subResource}` };
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return { response: allow, skipped: `operation ${request.operation}` };
  const virtualPod = request.object as V1Pod | null | undefined;
  if (!virtualPod || typeof virtualPod !== 'object') return { response: allow, skipped: 'no object' };

  const verdict = evaluatePodPolicy(virtualPod, policy);
  if (!verdict.allowed) {
    return { response: { uid: request.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: verdict.reason } } };
  }
  if (request.dryRun) return { response: allow, skipped: 'dry run' };

  const name = request.name || virtualPod.metadata?.name;
  const namespace = request.namespace || virtualPod.metadata?.namespace;
  // Without a name (should not happen in the validating phase) audit will still bring the committed pod.
  if (!name || !namespace) return { response: allow, skipped: 'no name yet' };
  if (!isPodName(name) || !isNamespaceName(namespace)) return { response: allow, skipped: 'not a valid name' };
  const syncRef: ObjectRef = { cluster, kind: 'Pod', namespace, name };
  const uid = virtualPod.metadata?.uid;
  if (uid) syncRef.uid = uid;
  return { response: allow, syncRef };
}
