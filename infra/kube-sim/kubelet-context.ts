// What the parts of a simulated kubelet share: the node a pod runs on and the handle the container steps
// use to act on their pod. Types only, so kubelet-pod.ts and kubelet-containers.ts need not import each other.
import type { EventSpec } from './sim-events.js';
import type { PodIpAllocator } from './pod-ip.js';
import type { ContainerRuntime, PodRuntime } from './pod-lifecycle.js';
import type { RefKind } from './pod-references.js';
import type { Api, KubeObject, UserInfo } from './types.js';
import type { SimRuntime } from './container-runtime/runtime.js';

export interface KubeletTiming {
  /** Delay between the status steps of a starting pod. */
  stepMs: number;
  /** How long sim-exit-0 / sim-exit-1 containers run before they exit. */
  runMs: number;
  /** Back-off for image pulls and crashed containers: the kubelet's 10 s and 5 min, scaled down. */
  backOffBaseMs: number;
  backOffMaxMs: number;
}

/** A pod that waits for a ConfigMap or Secret of its namespace. */
export interface RefWaiter {
  readonly namespace: string;
  refsChanged(): void;
}

/** What a pod needs from its node. */
export interface NodeContext {
  api: Api;
  node: string;
  hostIP: string;
  user: UserInfo;
  ips: PodIpAllocator;
  /** Images already pulled on this node: IfNotPresent skips the pull for them. */
  images: Set<string>;
  timing: KubeletTiming;
  now(): Date;
  /** Keys of a ConfigMap or Secret in a namespace; undefined when it does not exist. */
  lookup(namespace: string, kind: RefKind, name: string): string[] | undefined;
  /** The pod is (or no longer is) waiting for a ConfigMap or Secret to appear. */
  waitForRefs(pod: RefWaiter, waiting: boolean): void;
  /** The container runtime behind logs, exec and attach (absent: containers have no processes). */
  runtime?: SimRuntime;
}

export type SpecContainer = { name: string; image: string; imagePullPolicy?: string; readinessProbe?: unknown };

/** The pod as the container steps see it. */
export interface PodHost extends RefWaiter {
  readonly ctx: NodeContext;
  readonly uid: string;
  readonly pod: KubeObject;
  readonly runtime: PodRuntime;
  readonly spec: { containers?: SpecContainer[]; initContainers?: SpecContainer[]; ephemeralContainers?: SpecContainer[]; restartPolicy?: string };
  /** Containers waiting for an env source. */
  readonly blocked: Set<string>;
  readonly mountBlocked: boolean;
  /** Set once the pod has a deletionTimestamp: nothing new starts. */
  readonly deleting: boolean;
  initIndex: number;
  readonly pullFailures: Map<string, number>;
  readonly crashes: Map<string, number>;
  specContainer(name: string): SpecContainer;
  isInit(name: string): boolean;
  isEphemeral(name: string): boolean;
  container(name: string): ContainerRuntime;
  /** Runs step later, in the pod's order; dropped if the pod is torn down first (unless teardown). */
  after(ms: number, step: () => Promise<void>, teardown?: boolean): void;
  /** Like after, for one container: also dropped if that container is replaced meanwhile (a new image). */
  afterFor(container: string, ms: number, step: () => Promise<void>): void;
  /** How many times the container was replaced; replacedSince tells whether that changed. */
  epoch(container: string): number;
  replacedSince(container: string, epoch: number): boolean;
  /** Marks the container replaced: its pending steps are dropped. */
  replace(container: string): void;
  event(spec: Omit<EventSpec, 'component' | 'host'>, container?: string): Promise<void>;
  writeStatus(): Promise<void>;
  /** The container just started: its process in the container runtime. */
  startProcess(name: string): void;
  /** The sandbox is gone: its address goes back to the node's pool (once). */
  releaseIp(): void;
}
