// Which webhooks a request reaches: the rule, scope and label-selector predicates of
// k8s.io/apiserver pkg/admission/plugin/webhook/{predicates/rules, namespace, object}, kept pure.
import { labelSelectorFromObject, matchLabelSelector } from './selectors.js';
import type { AdmissionOperation } from './types.js';

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string; // Cluster | Namespaced | * (default *)
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string; // In | NotIn | Exists | DoesNotExist
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** One webhook of a Mutating/ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1). */
export interface WebhookSpec {
  name: string;
  clientConfig: {
    url?: string;
    service?: { namespace: string; name: string; path?: string; port?: number };
    caBundle?: string;
  };
  rules?: RuleWithOperations[];
  failurePolicy?: string;
  matchPolicy?: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: string;
  matchConditions?: unknown[];
}

/** What the rules look at: the request's resource coordinates. */
export interface MatchRequest {
  operation: AdmissionOperation;
  group: string;
  version: string;
  resource: string; // plural
  subresource: string; // "" for the main resource
  namespace: string; // "" for cluster-scoped; a Namespace object's own name for namespaces
}

const exactOrWildcard = (items: string[] | undefined, requested: string) =>
  (items ?? []).some((item) => item === '*' || item === requested);

const isNamespaceResource = (req: MatchRequest) => req.group === '' && req.version === 'v1' && req.resource === 'namespaces';

function scopeMatches(scope: string | undefined, req: MatchRequest): boolean {
  if (scope === undefined || scope === '*') return true;
  // Namespace objects are cluster-scoped even though the request carries their name as namespace.
  if (scope === 'Namespaced') return !isNamespaceResource(req) && req.namespace !== '';
  if (scope === 'Cluster') return isNamespaceResource(req) || req.namespace === '';
  return false;
}

// "pods" is the main resource only, "pods/*" every subresource, "*/status" one subresource of any
// resource, "*" every main resource (not subresources), "*/*" everything.
function resourceMatches(resources: string[] | undefined, req: MatchRequest): boolean {
  return (resources ?? []).some((entry) => {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    return (res === '*' || res === req.resource) && (sub === '*' || sub === req.subresource);
  });
}

export function ruleMatches(rule: RuleWithOperations, req: MatchRequest): boolean {
  return scopeMatches(rule.scope, req)
    && exactOrWildcard(rule.operations, req.operation)
    && exactOrWildcard(rule.apiGroups, req.group)
    && exactOrWildcard(rule.apiVersions, req.version)
    && resourceMatches(rule.resources, req);
}

/**
 * Every resource is served in exactly one version here, so matchPolicy Equivalent can find no other
 * group/version to convert to: Exact and Equivalent decide the same.
 */
export function rulesMatch(webhook: WebhookSpec, req: MatchRequest): boolean {
  return (webhook.rules ?? []).some((rule) => ruleMatches(rule, req));
}

export function selectorIsEmpty(selector: LabelSelector | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}

/** metav1.LabelSelector semantics (the shared parser); throws on an invalid selector, as LabelSelectorAsSelector does. */
export function labelSelectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return matchLabelSelector(labelSelectorFromObject(selector), labels ?? {});
}

/** Cluster-scoped objects other than namespaces are never exempted by a namespaceSelector. */
export function namespaceSelectorApplies(req: MatchRequest): boolean {
  return req.namespace !== '' || req.resource === 'namespaces';
}

/** Webhooks are never called for admission configuration objects, so a bad webhook cannot lock itself in. */
export function isExemptConfigurationKind(group: string, kind: string): boolean {
  return group === 'admissionregistration.k8s.io' && [
    'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
  ].includes(kind);
}
