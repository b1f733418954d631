// The simulated kube-controller-manager: the Deployment, ReplicaSet, StatefulSet and Job controllers and the
// garbage collector, sharing one cache per watched resource. It runs in both modes: in host mode the
// kubelets make pods Ready; in virtual mode pods stay Pending until something outside (podferry) reports
// their status, and the controllers act on whatever status the pods carry.
import { startDeploymentController } from './deployment-controller.js';
import { startGarbageCollector } from './garbage-collector.js';
import { startJobController, type JobControllerOptions } from './job-controller.js';
import { ObjectCache } from './object-cache.js';
import { startReplicaSetController } from './replicaset-controller.js';
import { deployments, jobs, pods, replicaSets, statefulSets } from './resources.js';
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
  const caches = {
    pods: new ObjectCache(api, pods),
    replicaSets: new ObjectCache(api, replicaSets),
    deployments: new ObjectCache(api, deployments),
    statefulSets: new ObjectCache(api, statefulSets),
    jobs: new ObjectCache(api, jobs),
  };
  const running = [
    startGarbageCollector(api),
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
        for (const c of Object.values(caches)) c.stop();
      })();
      return stopping;
    },
  };
}
