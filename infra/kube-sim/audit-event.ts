// One audit.k8s.io/v1 Event, as the real server fills it at each stage (k8s.io/apiserver pkg/audit/
// request.go and pkg/endpoints/filters/audit.go). Pure: the stage timestamp is passed in.
import type { AuditObjectRef, AuditRequest, AuditResponse, AuditStage } from './types.js';
import { levelAtLeast, type PolicyDecision } from './audit-policy.js';

const MAX_USER_AGENT = 1024;

/** MicroTime: RFC 3339 with exactly six fractional digits, from epoch milliseconds with a fraction. */
export function microTime(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const micros = Math.floor((epochMs - whole) * 1000);
  return new Date(whole).toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(micros).padStart(3, '0')}Z`);
}

function withoutManagedFields(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const obj = value as { metadata?: Record<string, unknown>; items?: unknown[] };
  const copy: Record<string, unknown> = { ...obj };
  if (obj.metadata && 'managedFields' in obj.metadata) {
    const { managedFields: _omitted, ...rest } = obj.metadata;
    copy.metadata = rest;
  }
  if (Array.isArray(obj.items)) copy.items = obj.items.map(withoutManagedFields);
  return copy;
}

interface StatusLike { kind?: string; status?: string; message?: string; reason?: string; details?: unknown; code?: number }

// A success usually carries only the code; a Status answer (every failure, and e.g. a delete's
// Success) has its bounded fields copied in, as LogResponseObject does.
function responseStatus(response: AuditResponse): Record<string, unknown> {
  const out: Record<string, unknown> = { metadata: {} };
  const fromObject = (response.responseObject as StatusLike | undefined)?.kind === 'Status' ? response.responseObject : undefined;
  const status = (response.status ?? fromObject) as StatusLike | undefined;
  if (status && typeof status === 'object') {
    if (status.status) out.status = status.status;
    if (status.message) out.message = status.message;
    if (status.reason) out.reason = status.reason;
    if (status.details) out.details = status.details;
  }
  out.code = response.code;
  return out;
}

function objectRefAt(stage: AuditStage, ref: AuditObjectRef): AuditObjectRef {
  // uid and resourceVersion come from the decoded request body, which RequestReceived precedes.
  if (stage !== 'RequestReceived') return { ...ref };
  const { uid: _uid, resourceVersion: _rv, ...rest } = ref;
  return rest;
}

/** The event for this stage, or undefined when the policy records nothing for it. */
export function buildEvent(
  stage: AuditStage, decision: PolicyDecision, request: AuditRequest, response: AuditResponse | undefined, stageTimestamp: string,
): Record<string, unknown> | undefined {
  if (decision.level === 'None' || decision.omitStages.includes(stage)) return undefined;
  const strip = (v: unknown) => (decision.omitManagedFields ? withoutManagedFields(v) : v);
  const event: Record<string, unknown> = {
    level: decision.level,
    auditID: request.auditID,
    stage,
    requestURI: request.requestURI,
    verb: request.verb,
    user: request.user,
    sourceIPs: request.sourceIPs,
  };
  if (request.userAgent) {
    event.userAgent = request.userAgent.length > MAX_USER_AGENT ? `${request.userAgent.slice(0, MAX_USER_AGENT)}...TRUNCATED` : request.userAgent;
  }
  if (request.objectRef) event.objectRef = objectRefAt(stage, request.objectRef);
  if (response && stage !== 'RequestReceived') event.responseStatus = responseStatus(response);
  // Bodies: only for resource requests, never before the handler has decoded them.
  if (request.objectRef && stage !== 'RequestReceived' && levelAtLeast(decision.level, 'Request') && request.requestObject !== undefined) {
    event.requestObject = strip(request.requestObject);
  }
  if (request.objectRef && response && (stage === 'ResponseComplete' || stage === 'Panic')
    && levelAtLeast(decision.level, 'RequestResponse') && response.responseObject !== undefined) {
    event.responseObject = strip(response.responseObject);
  }
  event.requestReceivedTimestamp = request.requestReceivedTimestamp;
  event.stageTimestamp = stageTimestamp;
  // The authorization filter runs after RequestReceived is emitted and is never reached by a 401.
  if (stage !== 'RequestReceived' && response?.code !== 401) {
    event.annotations = { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' };
  }
  return event;
}
