import { scPath, type Check, type CheckContext } from './check.js';
import { SHARED, q, who } from './messages.js';
import type { Obj } from './read.js';

// Baseline checks that keep a pod out of its node's own namespaces and network: psa v0.36.2
// check_hostNamespaces.go (split into three rules, as POD_POLICY has always named them),
// check_hostPorts.go, check_hostProbesAndhostLifecycle.go (policy v1.34+), check_windowsHostProcess.go.

function hostNamespace(name: 'hostNetwork' | 'hostPID' | 'hostIPC', what: string, namespace: string): Check {
  return {
    name, origin: 'baseline', upstream: ['hostNamespaces'],
    summary: `spec.${name} must be unset or false (the node's ${namespace} namespace).`,
    run({ pod, read, report }) {
      if (read.bool(pod.spec, name, 'spec') === true) report(`spec.${name}`, `spec.${name} is true: ${SHARED} may not ${what}; remove ${name}`);
    },
  };
}

const hostPorts: Check = {
  name: 'hostPorts', origin: 'baseline', upstream: ['hostPorts'],
  summary: 'No container port may set a non-zero hostPort.',
  run({ pod, read, report }) {
    for (const c of pod.containers) {
      for (const { item, path } of read.objects(c.container, 'ports', c.path)) {
        const port = read.int(item, 'hostPort', path);
        if (port !== undefined && port !== 0) {
          report(`${path}.hostPort`, `${path}.hostPort is ${port} (${who(c.name)}): ${SHARED} may not bind ports on the host's nodes; remove hostPort and expose the port through a Service`);
        }
      }
    }
  },
};

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;

function probeHosts(ctx: CheckContext, handler: Obj | undefined, path: string, name: string): void {
  for (const kind of ['httpGet', 'tcpSocket'] as const) {
    const host = ctx.read.str(ctx.read.obj(handler, kind, path), 'host', `${path}.${kind}`);
    if (host) {
      const field = `${path}.${kind}.host`;
      ctx.report(field, `${field} is ${q(host)} (${who(name)}): ${SHARED} may not aim probes or lifecycle hooks at other hosts, which the kubelet would reach from the host's node; remove host so the kubelet calls the pod's own IP`);
    }
  }
}

const hostProbes: Check = {
  name: 'hostProbes', origin: 'baseline', upstream: ['hostProbesAndHostLifecycle'],
  summary: 'Probes and lifecycle hooks (httpGet, tcpSocket) must not set host.',
  run(ctx) {
    for (const c of ctx.pod.containers) {
      for (const probe of PROBES) probeHosts(ctx, ctx.read.obj(c.container, probe, c.path), `${c.path}.${probe}`, c.name);
      const lifecycle = ctx.read.obj(c.container, 'lifecycle', c.path);
      for (const hook of HOOKS) probeHosts(ctx, ctx.read.obj(lifecycle, hook, `${c.path}.lifecycle`), `${c.path}.lifecycle.${hook}`, c.name);
    }
  },
};

const HOST_PROCESS = 'may not run Windows HostProcess containers, which run as processes of the host\'s node; remove hostProcess or set it to false';

const windowsHostProcess: Check = {
  name: 'windowsHostProcess', origin: 'baseline', upstream: ['windowsHostProcess'],
  summary: 'securityContext.windowsOptions.hostProcess (pod and containers) must be unset or false.',
  run({ pod, read, report }) {
    const podOptions = read.obj(pod.securityContext, 'windowsOptions', 'spec.securityContext');
    if (read.bool(podOptions, 'hostProcess', 'spec.securityContext.windowsOptions') === true) {
      const field = 'spec.securityContext.windowsOptions.hostProcess';
      report(field, `${field} is true: ${SHARED} ${HOST_PROCESS}`);
    }
    for (const c of pod.containers) {
      const options = read.obj(c.securityContext, 'windowsOptions', scPath(c.path));
      if (read.bool(options, 'hostProcess', `${scPath(c.path)}.windowsOptions`) === true) {
        const field = `${scPath(c.path)}.windowsOptions.hostProcess`;
        report(field, `${field} is true (${who(c.name)}): ${SHARED} ${HOST_PROCESS}`);
      }
    }
  },
};

export const hostAccessChecks: readonly Check[] = [
  hostNamespace('hostNetwork', "use the host's network", 'network'),
  hostNamespace('hostPID', "see the host's processes", 'PID'),
  hostNamespace('hostIPC', "share the host's IPC namespace", 'IPC'),
  hostPorts,
  hostProbes,
  windowsHostProcess,
];
