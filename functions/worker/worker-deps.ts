// Everything a processor needs, handed in by main.ts (or a test): the two cluster sides, the queues to
// enqueue follow-up work on, the translation context and a clock. Processors hold no other state.
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { PodPolicy } from '../_shared/core/policy.js';
import type { TranslateContext } from '../_shared/core/translate-pod.js';
import type { NodeProxyEndpoint } from '../_shared/core/virtual-node.js';
import type { KubeSide } from '../_shared/kube/kube-side.js';
import type { DependencyWaits } from '../_shared/queue/dependency-waits.js';
import type { HostPodStateReader } from '../_shared/queue/host-pod-state.js';
import type { JobLogWriter } from '../_shared/queue/job-log.js';
import type { SeenVirtualBuffer } from './seen-virtual-pod.js';
import type { NamespaceLabelsCache } from '../_shared/queue/namespace-labels.js';
import type { SharedMarks } from '../_shared/queue/shared-marks.js';

export interface WorkerQueues {
  sync: Queue;
  status: Queue;
}

export interface WorkerDeps {
  cluster: string; // the virtual cluster's name (vcluster), carried in every job ref
  hostNamespace: string;
  translate: TranslateContext;
  /** The host policy, applied before every host create and converge (admission is only a courtesy). */
  policy: PodPolicy;
  virtual: KubeSide;
  host: KubeSide;
  queues: WorkerQueues;
  log: Logger;
  now: () => Date;
  /** Status polling (ms): first delay, growth factor, the cap while a pod is young and after, when to stop. */
  statusPoll: {
    firstMs: number; factor: number; fastMaxMs: number; fastPhaseMs: number; maxMs: number; giveUpAfterMs: number;
    /** STATUS_STARTUP_COALESCE_MS: how long a start-up step may wait for the next one (core/startup-coalescing.ts); 0 or absent: never. */
    startupCoalesceMs?: number;
  };
  /** Nodes already known to exist in the virtual cluster (bounded by the host's node count). */
  knownVirtualNodes: Set<string>;
  /** Where virtual nodes send logs/exec/attach/port-forward (NODE_PROXY_ADVERTISE_ADDRESS); absent: nowhere. */
  nodeProxy?: NodeProxyEndpoint;
  /** What the host watch keeps in Redis (host-watch/): snapshots while it is healthy, and applied marks. */
  hostState?: HostPodStateReader;
  /** Pods waiting for a ConfigMap or Secret that does not exist yet. */
  dependencyWaits?: DependencyWaits;
  /** Virtual service account tokens are renewed after this fraction of their lifetime (default 0.8, as the kubelet). */
  tokenRefreshFraction?: number;
  /** Virtual namespaces' labels shared for a short while; absent: read with every sync. */
  namespaceLabels?: NamespaceLabelsCache;
  /** Current host copies and service links, shared by every worker for a short while; absent: checked with every pod. */
  sharedMarks?: SharedMarks;
  /** Writes a job's story (log lines, progress) in one command; absent: BullMQ's job.log per line. */
  jobLog?: JobLogWriter;
  /** Within one job: the seen virtual pod to write with the story (seen-virtual-pod.ts); absent: at once. */
  seenVirtualBuffer?: SeenVirtualBuffer;
}
