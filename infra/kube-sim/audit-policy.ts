// audit.k8s.io/v1 Policy evaluation, as k8s.io/apiserver pkg/audit/policy/checker.go does it: rules in
// order, the first match decides the level; omitStages are the rule's plus the policy's. Pure.
import type { AuditRequest, AuditStage } from './types.js';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

export interface GroupResources {
  group?: string; // "" or absent: the core group
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  apiVersion?: string;
  kind?: string;
  rules: PolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface PolicyDecision {
  level: AuditLevel;
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

const LEVELS: AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES: AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export const levelAtLeast = (level: AuditLevel, min: AuditLevel) => LEVELS.indexOf(level) >= LEVELS.indexOf(min);

/** Checks what the real loader and validation reject; returns the policy typed. */
export function checkPolicy(raw: unknown, source = 'policy'): AuditPolicy {
  const policy = raw as AuditPolicy;
  if (!policy || typeof policy !== 'object') throw new Error(`${source}: not an audit policy`);
  if (policy.kind !== undefined && policy.kind !== 'Policy') throw new Error(`${source}: kind ${policy.kind} is not Policy`);
  if (policy.apiVersion !== undefined && policy.apiVersion !== 'audit.k8s.io/v1') throw new Error(`${source}: apiVersion ${policy.apiVersion} is not audit.k8s.io/v1`);
  if (!Array.isArray(policy.rules) || policy.rules.length === 0) throw new Error(`loaded illegal policy with 0 rules from file ${source}`);
  const badStage = (stages: unknown[] | undefined) => (stages ?? []).find((s) => !STAGES.includes(s as AuditStage));
  if (badStage(policy.omitStages)) throw new Error(`${source}: omitStages: Unsupported value: "${badStage(policy.omitStages)}"`);
  policy.rules.forEach((rule, i) => {
    if (!LEVELS.includes(rule.level)) throw new Error(`${source}: rules[${i}].level: Unsupported value: "${rule.level}"`);
    if (badStage(rule.omitStages)) throw new Error(`${source}: rules[${i}].omitStages: Unsupported value: "${badStage(rule.omitStages)}"`);
    if ((rule.nonResourceURLs ?? []).length && ((rule.resources ?? []).length || (rule.namespaces ?? []).length)) {
      throw new Error(`${source}: rules[${i}].nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs`);
    }
  });
  return policy;
}

// "*" everything, "/healthz*" a prefix, otherwise the exact path.
function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function resourceMatches(rule: PolicyRule, request: AuditRequest): boolean {
  const ref = request.objectRef;
  if (!ref) return false; // a non-resource request never matches a resource rule
  if ((rule.namespaces ?? []).length && !rule.namespaces!.includes(ref.namespace ?? '')) return false;
  if (!(rule.resources ?? []).length) return true;
  const resource = ref.resource ?? '';
  const subresource = ref.subresource ?? '';
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return rule.resources!.some((gr) => {
    if ((gr.group ?? '') !== (ref.apiGroup ?? '')) return false;
    if (!(gr.resources ?? []).length) return true;
    if ((gr.resourceNames ?? []).length && !gr.resourceNames!.includes(ref.name ?? '')) return false;
    return gr.resources!.some((res) => res === combined || res === '*'
      || (subresource !== '' && res.startsWith('*/') && res.slice(2) === subresource)
      || (res.endsWith('/*') && res.slice(0, -2) === resource));
  });
}

export function ruleMatches(rule: PolicyRule, request: AuditRequest): boolean {
  if ((rule.users ?? []).length && !rule.users!.includes(request.user.username)) return false;
  if ((rule.userGroups ?? []).length && !request.user.groups.some((g) => rule.userGroups!.includes(g))) return false;
  if ((rule.verbs ?? []).length && !rule.verbs!.includes(request.verb)) return false;
  if ((rule.namespaces ?? []).length || (rule.resources ?? []).length) return resourceMatches(rule, request);
  if ((rule.nonResourceURLs ?? []).length) {
    if (request.objectRef) return false;
    const path = request.requestURI.split('?')[0];
    return rule.nonResourceURLs!.some((spec) => pathMatches(path, spec));
  }
  return true;
}

export function evaluatePolicy(policy: AuditPolicy, request: AuditRequest): PolicyDecision {
  const policyStages = policy.omitStages ?? [];
  for (const rule of policy.rules) {
    if (!ruleMatches(rule, request)) continue;
    return {
      level: rule.level,
      omitStages: [...new Set([...(rule.omitStages ?? []), ...policyStages])],
      omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
    };
  }
  return { level: 'None', omitStages: policyStages, omitManagedFields: policy.omitManagedFields ?? false };
}
