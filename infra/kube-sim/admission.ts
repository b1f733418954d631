// The MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins of kube-apiserver, calling real
// HTTPS webhooks from the configurations stored in the simulator (k8s.io/apiserver
// pkg/admission/plugin/webhook/{generic, mutating, validating}).
//
// Not modelled: matchConditions (CEL) are not evaluated, a webhook with conditions is called as if they
// all held; the 34 s outer request deadline; audit annotations from webhooks (the Admission interface
// has no path to the audit event); AdmissionReview v1beta1 (only v1 is sent).
import { randomUUID } from 'node:crypto';
import jsonpatch from 'fast-json-patch';
import { internalError, isKubeError, KubeError } from './errors.js';
import { mutatingWebhookConfigurations, namespaces, validatingWebhookConfigurations } from './resources.js';
import type { Admission, AdmissionAttributes, Api, KubeObject, ResourceType } from './types.js';
import {
  isExemptConfigurationKind, labelSelectorMatches, namespaceSelectorApplies, rulesMatch, selectorIsEmpty,
  type MatchRequest, type WebhookSpec,
} from './admission-match.js';
import {
  buildReview, denialError, dryRunUnsupported, InvalidResponse, kindOf, requestNamespace, verifyResponse, webhookUrl,
  type VerifiedResponse,
} from './admission-review.js';
import { postJson, WebhookCallError, type WebhookCredentials } from './webhook-client.js';

export interface AdmissionOptions {
  /** What the API server presents to every webhook, as an AdmissionConfiguration kubeconfig user "*" would. */
  credentials?: WebhookCredentials;
}

interface Hook {
  configurationName: string;
  spec: WebhookSpec;
}

/** A failure to get a usable answer: `failurePolicy` decides, never a rejection by itself. */
class CallFailure extends Error {}

const DEFAULT_TIMEOUT_SECONDS = 10;

// Configurations are read on every call: they live in memory, and a just-created configuration must
// take effect on the next request, as it does (after informer sync) in a real server.
function loadHooks(api: Api, resource: ResourceType): Hook[] {
  const items = [...api.list(resource, undefined, {}).items];
  items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return items.flatMap((config) => ((config.webhooks ?? []) as WebhookSpec[])
    .map((spec) => ({ configurationName: config.metadata.name ?? '', spec })));
}

function matchRequest(attrs: AdmissionAttributes): MatchRequest {
  return {
    operation: attrs.operation,
    group: attrs.resource.group,
    version: attrs.resource.version,
    resource: attrs.resource.plural,
    subresource: attrs.subresource ?? '',
    namespace: requestNamespace(attrs),
  };
}

export function createAdmission(api: Api, options: AdmissionOptions = {}): Admission {
  function namespaceLabels(attrs: AdmissionAttributes, object: KubeObject | undefined, req: MatchRequest) {
    // A namespace being created or updated is matched on its new labels; the stored one is not there yet.
    if (req.resource === 'namespaces' && req.group === '' && !req.subresource && (req.operation === 'CREATE' || req.operation === 'UPDATE')) {
      return object?.metadata.labels;
    }
    return api.get(namespaces, undefined, req.namespace).metadata.labels;
  }

  /** ShouldCallHook: selectors first, rules next; a selector error only counts when the rules match. */
  function shouldCall(hook: Hook, attrs: AdmissionAttributes, object: KubeObject | undefined): boolean {
    const req = matchRequest(attrs);
    let deferred: KubeError | undefined;
    let nsMatches = true;
    if (namespaceSelectorApplies(req) && !selectorIsEmpty(hook.spec.namespaceSelector)) {
      try {
        nsMatches = labelSelectorMatches(hook.spec.namespaceSelector, namespaceLabels(attrs, object, req));
      } catch (err) {
        // A missing namespace answers 404 as it always has; anything else is an internal error.
        nsMatches = false;
        deferred = isKubeError(err) && err.code === 404 ? err : internalError((err as Error).message);
      }
    }
    if (!nsMatches && !deferred) return false;
    const selector = hook.spec.objectSelector;
    if (!selectorIsEmpty(selector)) {
      // Either the new or the old object may match; an absent object never does.
      const matchesObject = (o: KubeObject | undefined) => o !== undefined && labelSelectorMatches(selector, o.metadata.labels);
      try {
        if (!matchesObject(object) && !matchesObject(attrs.oldObject) && !deferred) return false;
      } catch (err) {
        deferred ??= internalError((err as Error).message);
      }
    }
    if (!rulesMatch(hook.spec, req)) return false;
    if (deferred) throw deferred;
    return true;
  }

  async function call(hook: Hook, attrs: AdmissionAttributes, object: KubeObject | undefined, mutating: boolean): Promise<VerifiedResponse> {
    const { spec } = hook;
    if (attrs.dryRun) {
      if (spec.sideEffects === undefined) throw new CallFailure('Webhook SideEffects is nil');
      if (spec.sideEffects !== 'None' && spec.sideEffects !== 'NoneOnDryRun') throw dryRunUnsupported(spec.name);
    }
    if (!(spec.admissionReviewVersions ?? []).includes('v1')) {
      throw new CallFailure('could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)');
    }
    const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const url = webhookUrl(spec, timeoutSeconds);
    const service = spec.clientConfig.service;
    if (!spec.clientConfig.url) {
      // No cluster DNS or endpoints here: a service reference fails the way an unresolvable name does.
      const host = service ? `${service.name}.${service.namespace}.svc` : '';
      throw new CallFailure(`failed to call webhook: Post ${JSON.stringify(url)}: dial tcp: lookup ${host}: no such host`);
    }
    if (!spec.clientConfig.url.startsWith('https://')) {
      // A real server refuses to store such a configuration; if one got here, it must not be called.
      throw new CallFailure(`clientConfig.url: Invalid value: ${JSON.stringify(spec.clientConfig.url)}: 'https' is the only allowed URL scheme`);
    }
    const uid = randomUUID();
    const caBundle = spec.clientConfig.caBundle;
    let body: string;
    try {
      const res = await postJson({
        url,
        caPem: caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined,
        ...options.credentials,
      }, buildReview(uid, attrs, object), timeoutSeconds * 1000);
      body = res.body;
    } catch (err) {
      if (err instanceof WebhookCallError) throw new CallFailure(`failed to call webhook: ${err.message}`);
      throw err;
    }
    try {
      return verifyResponse(uid, mutating, body);
    } catch (err) {
      if (err instanceof InvalidResponse) throw new CallFailure(err.message);
      throw err;
    }
  }

  /** Runs one webhook; undefined when it failed open. Throws the client-facing error otherwise. */
  async function invoke(hook: Hook, attrs: AdmissionAttributes, object: KubeObject | undefined, mutating: boolean) {
    let res: VerifiedResponse;
    try {
      res = await call(hook, attrs, object, mutating);
    } catch (err) {
      if (!(err instanceof CallFailure)) throw err;
      if (hook.spec.failurePolicy === 'Ignore') return undefined;
      throw internalError(`failed calling webhook ${JSON.stringify(hook.spec.name)}: ${err.message}`);
    }
    if (res.warnings.length) {
      attrs.warnings ??= [];
      for (const w of res.warnings) if (!attrs.warnings.includes(w)) attrs.warnings.push(w);
    }
    if (!res.allowed) throw denialError(hook.spec.name, res.result);
    return res;
  }

  /** Applies a mutating webhook's patch; returns the new object and whether it differs. */
  function applyPatch(hook: Hook, object: KubeObject | undefined, patch: unknown[] | undefined) {
    if (!patch || patch.length === 0) return { object, changed: false };
    if (!object) {
      throw internalError(`admission webhook ${JSON.stringify(hook.spec.name)} attempted to modify the object, which is not supported for this operation`);
    }
    let patched: KubeObject;
    try {
      patched = jsonpatch.applyPatch(jsonpatch.deepClone(object), patch as jsonpatch.Operation[], true, true).newDocument as KubeObject;
    } catch (err) {
      throw internalError((err as Error).message.split('\n')[0]);
    }
    // The patched JSON is decoded back into the same Go type: another kind, or no metadata, cannot be.
    if (!patched || typeof patched !== 'object' || !patched.metadata || typeof patched.metadata !== 'object'
      || patched.kind !== object.kind || patched.apiVersion !== object.apiVersion) {
      throw internalError(`admission webhook ${JSON.stringify(hook.spec.name)} patched the object into something other than ${object.apiVersion}, Kind=${object.kind}`);
    }
    return { object: patched, changed: jsonpatch.compare(object, patched).length > 0 };
  }

  return {
    async mutate(attrs) {
      if (isExemptConfigurationKind(kindOf(attrs).group, kindOf(attrs).kind)) return attrs.object;
      const hooks = loadHooks(api, mutatingWebhookConfigurations);
      let object = attrs.object;
      attrs.warnings ??= [];
      // reinvocationPolicy IfNeeded, as the dispatcher does it: a change by a later webhook marks every
      // earlier IfNeeded webhook for one more call, in a single second round. There are no in-tree
      // mutating plugins here, so only webhook changes can trigger it.
      const invokedReinvocable = new Set<number>();
      const reinvoke = new Set<number>();
      const runRound = async (indices: number[], round: number) => {
        for (const i of indices) {
          const hook = hooks[i];
          if (!shouldCall(hook, { ...attrs, object }, object)) continue;
          const res = await invoke(hook, { ...attrs, object }, object, true);
          const step = applyPatch(hook, object, res?.patch);
          object = step.object;
          if (round === 0) {
            if (step.changed) for (const j of invokedReinvocable) reinvoke.add(j);
            if (hook.spec.reinvocationPolicy === 'IfNeeded') invokedReinvocable.add(i);
          }
        }
      };
      await runRound(hooks.map((_, i) => i), 0);
      if (reinvoke.size) await runRound([...reinvoke].sort((a, b) => a - b), 1);
      return object;
    },

    async validate(attrs) {
      if (isExemptConfigurationKind(kindOf(attrs).group, kindOf(attrs).kind)) return;
      const relevant = loadHooks(api, validatingWebhookConfigurations).filter((hook) => shouldCall(hook, attrs, attrs.object));
      if (relevant.length === 0) return;
      attrs.warnings ??= [];
      // In parallel; the first error to arrive wins, as errCh does in the validating dispatcher.
      const errors: unknown[] = [];
      await Promise.all(relevant.map(async (hook) => {
        try {
          await invoke(hook, attrs, attrs.object, false);
        } catch (err) {
          errors.push(err);
        }
      }));
      if (errors.length) throw errors[0];
    },
  };
}
