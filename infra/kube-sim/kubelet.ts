// Simulated kubelets for host mode: registers N nodes, then runs every pod bound to one of them through the
// status updates and events a real kubelet writes (see pod-lifecycle.ts and kubelet-pod.ts). One watch per
// resource serves all nodes; each pod costs a few timers, never a poll or a watch of its own.
//
// Container behaviour is chosen by the image's repository name (registry, path, tag and digest ignored):
//   sim-pull-fail       the pull never succeeds: Failed events, waiting ErrImagePull, then BackOff and
//                       ImagePullBackOff, retried with growing back-off; the pod stays Pending.
//   sim-crash           starts, then exits 1 one step later. With restartPolicy Always or OnFailure it crash
//                       loops: restarted at once the first time, then waiting CrashLoopBackOff (BackOff events)
//                       with restartCount growing and lastState.terminated; with Never the pod is Failed.
//   sim-exit-0          runs for runMs, then exits 0 (Completed): Succeeded under Never/OnFailure,
//                       restarted (and back-off after the second exit) under Always.
//   sim-exit-1          runs for runMs, then exits 1 (Error): Failed under Never, restarted otherwise.
//   sim-ignore-sigterm  runs until deleted and ignores SIGTERM: a graceful delete takes the whole grace
//                       period, then the container is killed (exit 137).
//   anything else       pulls, starts and keeps running; on delete it stops promptly on SIGTERM (exit 0).
// Init containers run in order before the app containers; one with a long-running image exits 0 after a step.
// In a long-running image the container's command decides (container-runtime/processes.ts): `sh -c SCRIPT`
// or a command the simulated shell knows runs there, its output is the log, and the container exits with it
// (sleep waits, so `sleep 3600` keeps it up); a shell with `stdin: true` reads commands from attach until
// `exit`; any other program writes fixed start-up lines and runs until stopped. Ephemeral containers
// (kubectl debug) start when added and are never restarted.
// A missing non-optional ConfigMap/Secret volume keeps the pod ContainerCreating with FailedMount events; a
// missing env source (valueFrom, envFrom) leaves the container waiting CreateContainerConfigError, as the real
// kubelet reports it. Both start once the object appears.
import { isKubeError } from './errors.js';
import { nodeInternalIP, nodeName, nodeObject } from './kubelet-node.js';
import type { KubeletTiming, NodeContext, RefWaiter } from './kubelet-context.js';
import { PodWorker } from './kubelet-pod.js';
import { PodIpAllocator, nodePodCidr } from './pod-ip.js';
import type { RefKind } from './pod-references.js';
import { configMaps, nodes as nodeResource, pods, secrets } from './resources.js';
import type { Api, KubeletOptions, KubeObject, UserInfo, WatchHandle } from './types.js';
import type { SimRuntime } from './container-runtime/runtime.js';

/** KubeletOptions plus the simulator's own knobs for the failure images. */
export interface SimKubeletOptions extends KubeletOptions {
  /** How long sim-exit-0 / sim-exit-1 run (default 4 steps). */
  runMs?: number;
  /** First back-off of a pull or a restart (default 200 ms: the kubelet's 10 s scaled by 1/50). */
  backOffBaseMs?: number;
  /** Longest back-off (default 6 s: the kubelet's 5 min scaled by 1/50). */
  backOffMaxMs?: number;
  /** Pods per node, the kubelet's --max-pods (default 110); at most 253, what a node's /24 holds. */
  maxPods?: number;
}

export interface Kubelets {
  /** Node names, sim-node-1 ... sim-node-N. */
  readonly nodes: string[];
  stop(): Promise<void>;
}

const keysOf = (o: KubeObject) => [
  ...Object.keys((o.data as object | undefined) ?? {}),
  ...Object.keys((o.binaryData as object | undefined) ?? {}),
  ...Object.keys((o.stringData as object | undefined) ?? {}),
];

export async function startKubelets(api: Api, opts: { nodes: number; kubelet?: SimKubeletOptions; now?: () => Date; runtime?: SimRuntime }): Promise<Kubelets> {
  const now = opts.now ?? (() => new Date());
  const k = opts.kubelet ?? {};
  const stepMs = k.startupDelayMs ?? 50;
  const timing: KubeletTiming = {
    stepMs,
    runMs: k.runMs ?? stepMs * 4,
    backOffBaseMs: k.backOffBaseMs ?? 200,
    backOffMaxMs: k.backOffMaxMs ?? 6000,
  };
  const clusterCidr = k.podCIDR ?? '10.244.0.0/16';
  const maxPods = Math.min(k.maxPods ?? 110, 253);

  const refs = new Map<string, string[]>(); // `${kind}/${ns}/${name}` -> keys
  const waiting = new Map<string, Set<RefWaiter>>(); // namespace -> workers waiting for a ConfigMap or Secret
  const workers = new Map<string, PodWorker>(); // `${ns}/${name}`
  const contexts = new Map<string, NodeContext>();

  for (let i = 1; i <= opts.nodes; i++) {
    const name = nodeName(i);
    const user: UserInfo = { username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] };
    await registerNode(api, nodeObject(i, clusterCidr, now(), maxPods), user);
    contexts.set(name, {
      api, node: name, hostIP: nodeInternalIP(i), user, timing, now, runtime: opts.runtime,
      ips: new PodIpAllocator(nodePodCidr(clusterCidr, i)),
      images: new Set(),
      lookup: (ns: string, kind: RefKind, ref: string) => refs.get(`${kind}/${ns}/${ref}`),
      waitForRefs(worker: RefWaiter, on: boolean) {
        let set = waiting.get(worker.namespace);
        if (on) {
          if (!set) waiting.set(worker.namespace, (set = new Set()));
          set.add(worker);
        } else if (set) {
          set.delete(worker);
          if (!set.size) waiting.delete(worker.namespace);
        }
      },
    });
  }

  const onRef = (kind: RefKind) => (ev: { type: string; object: KubeObject }) => {
    const ns = ev.object.metadata.namespace ?? '';
    const key = `${kind}/${ns}/${ev.object.metadata.name}`;
    if (ev.type === 'DELETED') refs.delete(key);
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      refs.set(key, keysOf(ev.object));
      for (const w of waiting.get(ns) ?? []) w.refsChanged();
      // Running containers see the new content, as the kubelet's volume manager syncs it.
      opts.runtime?.refreshVolumes({ kind, namespace: ns, name: ev.object.metadata.name ?? '' });
    }
  };

  const watches: WatchHandle[] = [
    api.watch(configMaps, undefined, {}, onRef('configmap')),
    api.watch(secrets, undefined, {}, onRef('secret')),
    api.watch(pods, undefined, {}, (ev) => {
      const pod = ev.object;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const current = workers.get(key);
      if (ev.type === 'DELETED') {
        if (current && current.uid === pod.metadata.uid) {
          current.close();
          workers.delete(key);
        }
        return;
      }
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
      const ctx = contexts.get(((pod.spec ?? {}) as { nodeName?: string }).nodeName ?? '');
      if (!ctx) return;
      if (current && current.uid === pod.metadata.uid) {
        current.observe(pod);
        opts.runtime?.refreshVolumes({ pod });
        return;
      }
      current?.close();
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return; // finished before this kubelet started
      const worker = new PodWorker(ctx, pod);
      workers.set(key, worker);
      worker.start();
    }),
  ];

  return {
    nodes: [...contexts.keys()],
    async stop() {
      for (const w of watches) w.stop();
      const all = [...workers.values()];
      workers.clear();
      for (const w of all) w.close();
      await Promise.all(all.map((w) => w.settled()));
    },
  };
}

/** Registers the node like a kubelet: create, and on AlreadyExists take the existing object over. */
async function registerNode(api: Api, node: KubeObject, user: UserInfo): Promise<void> {
  const opts = { dryRun: false, user, fieldManager: 'kubelet' };
  let stored: KubeObject;
  try {
    stored = await api.create(nodeResource, undefined, node, opts);
  } catch (err) {
    if (!isKubeError(err) || err.code !== 409) throw err;
    stored = api.get(nodeResource, undefined, node.metadata.name!);
  }
  // A server that drops status on create (status subresource semantics) gets it through nodes/status.
  const conditions = (stored.status as { conditions?: unknown[] } | undefined)?.conditions;
  if (!conditions?.length) {
    await api.update(nodeResource, undefined, node.metadata.name!, { ...stored, status: node.status }, opts, 'status');
  }
}
