import type { Check, CheckContext } from './check.js';
import { SHARED, q } from './messages.js';
import type { Obj } from './read.js';

// Where and how the host runs the pod: podferry's own rules, at every level. The Pod Security Standards
// do not cover placement, but a shared host namespace makes it the host admin's call, not the tenant's:
// taints and node roles keep workloads off control-plane and cordoned nodes, a RuntimeClass picks the
// runtime handler (and, through its scheduling section, adds tolerations and a nodeSelector on the host),
// a schedulerName picks which host scheduler places the pod. spec.nodeName needs no rule: the translator
// drops it (pod-scheduling.ts), so the host scheduler always places the pod.

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const CORDON_TAINT = 'node.kubernetes.io/unschedulable';

const tolerations: Check = {
  name: 'tolerations', origin: 'host', upstream: [],
  summary: `No toleration without a key (operator Exists tolerates every taint), none of ${CORDON_TAINT} (cordoned nodes).`,
  run({ pod, read, report }) {
    for (const { item, path } of read.objects(pod.spec, 'tolerations', 'spec')) {
      const key = read.str(item, 'key', path);
      const operator = read.str(item, 'operator', path);
      if (!key && operator === 'Exists') {
        report(`${path}.operator`, `${path}.operator is "Exists" with no key: ${SHARED} may not tolerate every taint, which would let the pod onto nodes the host admin keeps apart (control-plane, cordoned or reserved nodes); name the taint's key`);
      } else if (key === CORDON_TAINT) {
        report(`${path}.key`, `${path}.key is ${q(key)}: ${SHARED} may not run on nodes the host admin has cordoned; remove this toleration`);
      }
    }
  },
};

function roleKeys(ctx: CheckContext, requirements: Array<{ item: Obj; path: string }>): void {
  for (const { item, path } of requirements) {
    const key = ctx.read.str(item, 'key', path);
    if (key?.startsWith(ROLE_PREFIX)) {
      ctx.report(`${path}.key`, `${path}.key is ${q(key)}: ${SHARED} may not choose nodes by their role, which would place the pod on the host's control-plane (or other role-reserved) nodes; remove this requirement`);
    }
  }
}

function nodeSelectorTerm(ctx: CheckContext, term: Obj | undefined, path: string): void {
  roleKeys(ctx, ctx.read.objects(term, 'matchExpressions', path));
  roleKeys(ctx, ctx.read.objects(term, 'matchFields', path));
}

const controlPlaneNodes: Check = {
  name: 'controlPlaneNodes', origin: 'host', upstream: [],
  summary: `No toleration, nodeSelector key or node affinity term (required or preferred, matchExpressions or matchFields) on ${ROLE_PREFIX}* keys (control-plane, master).`,
  run(ctx) {
    const { pod, read, report } = ctx;
    for (const { key, path } of read.stringMap(pod.spec, 'nodeSelector', 'spec')) {
      if (key.startsWith(ROLE_PREFIX)) report(path, `${path} is set: ${SHARED} may not choose nodes by their role, which would place the pod on the host's control-plane (or other role-reserved) nodes; remove this nodeSelector key`);
    }
    const base = 'spec.affinity.nodeAffinity';
    const nodeAffinity = read.obj(read.obj(pod.spec, 'affinity', 'spec'), 'nodeAffinity', 'spec.affinity');
    const required = read.obj(nodeAffinity, 'requiredDuringSchedulingIgnoredDuringExecution', base);
    for (const term of read.objects(required, 'nodeSelectorTerms', `${base}.requiredDuringSchedulingIgnoredDuringExecution`)) {
      nodeSelectorTerm(ctx, term.item, term.path);
    }
    for (const weighted of read.objects(nodeAffinity, 'preferredDuringSchedulingIgnoredDuringExecution', base)) {
      nodeSelectorTerm(ctx, read.obj(weighted.item, 'preference', weighted.path), `${weighted.path}.preference`);
    }
    for (const { item, path } of read.objects(pod.spec, 'tolerations', 'spec')) {
      const key = read.str(item, 'key', path);
      if (key?.startsWith(ROLE_PREFIX)) {
        report(`${path}.key`, `${path}.key is ${q(key)}: ${SHARED} may not run on the host's control-plane (or other role-reserved) nodes, which the host admin keeps apart with this taint; remove this toleration`);
      }
    }
  },
};

const runtimeClass: Check = {
  name: 'runtimeClass', origin: 'host', upstream: [],
  summary: 'No spec.runtimeClassName: the host admin decides how, and on which nodes, tenant pods run.',
  run({ pod, read, report }) {
    const name = read.str(pod.spec, 'runtimeClassName', 'spec');
    if (name) report('spec.runtimeClassName', `spec.runtimeClassName is ${q(name)}: ${SHARED} may not choose a host RuntimeClass, which decides the container runtime and can add tolerations and a nodeSelector on the host; remove runtimeClassName`);
  },
};

const DEFAULT_SCHEDULER = 'default-scheduler';

const schedulerName: Check = {
  name: 'schedulerName', origin: 'host', upstream: [],
  summary: `spec.schedulerName unset or ${DEFAULT_SCHEDULER}: no other host scheduler places tenant pods.`,
  run({ pod, read, report }) {
    const name = read.str(pod.spec, 'schedulerName', 'spec');
    if (name && name !== DEFAULT_SCHEDULER) report('spec.schedulerName', `spec.schedulerName is ${q(name)}: ${SHARED} are placed by the host's default scheduler, not by a scheduler the pod chooses; remove schedulerName or set it to "${DEFAULT_SCHEDULER}"`);
  },
};

export const placementChecks: readonly Check[] = [tolerations, controlPlaneNodes, runtimeClass, schedulerName];
