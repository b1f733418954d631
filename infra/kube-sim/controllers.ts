// The simulated kube-controller-manager: the Deployment, ReplicaSet, StatefulSet and Job controllers and the
// garbage collector, sharing one cache per watched resource. It runs in both modes: in host mode the
// kubelets make pods Ready; in virtual mode pods stay Pending until something outside (podferry) reports
// their status, and the controllers act on whatever status the pods carry.
import { startDeploymentController } from './deployment-controller.js';
import { startGarbageCollector } from './garbage-collector.js';
import { startJobController, type JobControllerOptions } from './job-controller.js';
import { ObjectCache } from './object-cache.js';
import { startReplicaSetController } from './replicaset-controller.js';
import { ALL_RESOURCES, deployments, jobs, pods, replicaSets, statefulSets } from './resources.js';
import { startStatefulSetController } from './statefulset-controller.js';
import type { Api } from './types.js';

export interface ControllerOptions {
  now?: () => Date;
  job?: Omit<JobControllerOptions, 'now'>;
}

export interface Controllers {
  stop(): Promise<void>;
}

export function startControllers(api: Api, opts: ControllerOptions = {}): Controllers {
  const now = opts.now ?? (() => new Date());
  // One watch per resource for everything: the garbage collector sees every type but events (as many as
  // the pods, and never owners of anything).
  const all = new Map(ALL_RESOURCES.filter((r) => r.plural !== 'events').map((r) => [r, new ObjectCache(api, r)]));
  const caches = {
    pods: all.get(pods)!,
    replicaSets: all.get(replicaSets)!,
    deployments: all.get(deployments)!,
    statefulSets: all.get(statefulSets)!,
    jobs: all.get(jobs)!,
  };
  const running = [
    startGarbageCollector(api, [...all.values()]),
    startReplicaSetController(api, caches, now),
    startDeploymentController(api, caches, now),
    startStatefulSetController(api, caches, now),
    startJobController(api, caches, { ...opts.job, now }),
  ];
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await Promise.all(running.map((c) => c.stop()));
        for (const c of all.values()) c.stop();
      })();
      return stopping;
    },
  };
}
