// One pod on one simulated node: a small state machine driven by timers, writing status the way the kubelet's
// status manager does (strategic merge patches on pods/status with a uid precondition) and recording the
// kubelet's events. Steps of one pod run one at a time through a promise chain, so a watch event that
// arrives mid-step never interleaves with it.
import { isKubeError } from './errors.js';
import { desiredStatus, statusPatch, type ContainerRuntime, type PodRuntime, type TerminatedState } from './pod-lifecycle.js';
import type { PodIpAllocator } from './pod-ip.js';
import { missingReferences, type RefKind } from './pod-references.js';
import { pods } from './resources.js';
import { recordEvent, type EventSpec } from './sim-events.js';
import { backOffMs, containerId, defaultPullPolicy, goDuration, imageBehaviour, imageId, normalizedImage } from './sim-images.js';
import type { Api, KubeObject, UserInfo } from './types.js';

export interface KubeletTiming {
  /** Delay between the status steps of a starting pod. */
  stepMs: number;
  /** How long sim-exit-0 / sim-exit-1 containers run before they exit. */
  runMs: number;
  /** Back-off for image pulls and crashed containers: the kubelet's 10 s and 5 min, scaled down. */
  backOffBaseMs: number;
  backOffMaxMs: number;
}

/** What a pod worker needs from its node. */
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
  /** The worker is (or no longer is) waiting for a ConfigMap or Secret to appear. */
  waitForRefs(worker: PodWorker, waiting: boolean): void;
}

type SpecContainer = { name: string; image: string; imagePullPolicy?: string; readinessProbe?: unknown };

const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const rvNumber = (o: KubeObject) => Number(o.metadata.resourceVersion ?? 0);
const waiting = (reason: string, message?: string) => ({ waiting: message ? { reason, message } : { reason } });

export class PodWorker {
  readonly uid: string;
  private pod: KubeObject;
  private runtime!: PodRuntime;
  private readonly timers = new Set<NodeJS.Timeout>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private deleting = false;
  private killTimer: NodeJS.Timeout | undefined;
  private killDeadline = Infinity;
  private initIndex = 0;
  private readonly pullFailures = new Map<string, number>();
  private readonly crashes = new Map<string, number>();
  private readonly blocked = new Set<string>(); // containers waiting for an env source
  private mountBlocked = false;

  constructor(private readonly ctx: NodeContext, pod: KubeObject) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
  }

  private get write() {
    return { dryRun: false, user: this.ctx.user, fieldManager: 'kubelet' };
  }

  get namespace(): string {
    return this.pod.metadata.namespace ?? 'default';
  }

  private get spec() {
    return (this.pod.spec ?? {}) as { containers?: SpecContainer[]; initContainers?: SpecContainer[]; restartPolicy?: string };
  }

  private specContainer(name: string): SpecContainer {
    return [...(this.spec.initContainers ?? []), ...(this.spec.containers ?? [])].find((c) => c.name === name)!;
  }

  private isInit(name: string): boolean {
    return (this.spec.initContainers ?? []).some((c) => c.name === name);
  }

  private container(name: string): ContainerRuntime {
    return [...this.runtime.initContainers, ...this.runtime.containers].find((c) => c.name === name)!;
  }

  start(): void {
    this.enqueue(() => this.firstSync());
    this.observe(this.pod);
  }

  /** A newer view of the pod from the watch or from a write. */
  observe(pod: KubeObject): void {
    if (pod.metadata.uid !== this.uid || rvNumber(pod) < rvNumber(this.pod)) return;
    this.pod = pod;
    if (!pod.metadata.deletionTimestamp || this.closed) return;
    if (!this.deleting) {
      this.deleting = true;
      this.enqueue(() => this.beginTermination());
    } else if (this.killTimer) {
      // A second DELETE may shorten the grace period.
      const deadline = Date.now() + (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      if (deadline < this.killDeadline) this.armKill(deadline);
    }
  }

  /** A ConfigMap or Secret of this namespace appeared or changed. */
  refsChanged(): void {
    if (this.mountBlocked) this.enqueue(() => this.setupSandbox());
    else if (this.blocked.size) this.enqueue(() => this.retryBlocked());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.runtime?.podIP) this.ctx.ips.release(this.runtime.podIP);
    this.ctx.waitForRefs(this, false);
  }

  settled(): Promise<void> {
    return this.chain;
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.closed ? undefined : step())).catch(() => undefined);
  }

  /** Lifecycle timers are dropped once termination begins; teardown timers are not. */
  private after(ms: number, step: () => Promise<void>, teardown = false): NodeJS.Timeout | undefined {
    if (this.closed) return undefined; // a step still in flight when the pod was forgotten schedules nothing
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(() => (this.deleting && !teardown ? Promise.resolve() : step()));
    }, ms);
    this.timers.add(t);
    return t;
  }

  private event(spec: Omit<EventSpec, 'component' | 'host'>, container?: string): Promise<void> {
    const fieldPath = container ? `spec.${this.isInit(container) ? 'initContainers' : 'containers'}{${container}}` : undefined;
    return recordEvent(this.ctx.api, this.write, this.pod, { ...spec, fieldPath, component: 'kubelet', host: this.ctx.node }, this.ctx.now());
  }

  private async writeStatus(): Promise<void> {
    const desired = desiredStatus(this.pod, this.runtime, this.ctx.now());
    const patch = statusPatch(this.uid, (this.pod.status ?? {}) as Record<string, unknown>, desired);
    if (!patch || this.closed) return;
    try {
      const { object } = await this.ctx.api.patch(pods, this.namespace, this.pod.metadata.name!, 'strategic', patch, this.write, 'status');
      this.observe(object);
    } catch (err) {
      // 404: gone; 409: the uid precondition failed, a new pod took the name. Either way it is not ours.
      if (isKubeError(err) && (err.code === 404 || err.code === 409)) this.close();
      else throw err;
    }
  }

  private newContainer(c: SpecContainer, reason: string): ContainerRuntime {
    return { name: c.name, image: c.image, imageID: '', state: waiting(reason), lastState: {}, restartCount: 0, started: false, ready: false };
  }

  private async firstSync(): Promise<void> {
    const inits = this.spec.initContainers ?? [];
    this.runtime = {
      hostIP: this.ctx.hostIP,
      startTime: stamp(this.ctx.now()),
      sandboxReady: false,
      initContainers: inits.map((c) => this.newContainer(c, 'PodInitializing')),
      containers: (this.spec.containers ?? []).map((c) => this.newContainer(c, inits.length ? 'PodInitializing' : 'ContainerCreating')),
      terminal: false,
    };
    if (this.deleting) return;
    await this.writeStatus();
    this.after(this.ctx.timing.stepMs, () => this.setupSandbox());
  }

  private async setupSandbox(): Promise<void> {
    if (this.runtime.sandboxReady || this.deleting) return;
    const lookup = (kind: RefKind, name: string) => this.ctx.lookup(this.namespace, kind, name);
    const mounts = missingReferences(this.pod, lookup).filter((m) => m.ref.volume !== undefined);
    if (mounts.length) {
      const first = !this.mountBlocked;
      this.mountBlocked = true;
      this.ctx.waitForRefs(this, true);
      if (first) for (const m of mounts) await this.event({ reason: 'FailedMount', message: m.message, type: 'Warning' });
      return;
    }
    this.mountBlocked = false;
    this.ctx.waitForRefs(this, this.blocked.size > 0);
    this.runtime.podIP = this.ctx.ips.allocate();
    this.runtime.sandboxReady = true;
    await this.writeStatus();
    await this.runNext();
  }

  private async runNext(): Promise<void> {
    const inits = this.spec.initContainers ?? [];
    if (this.initIndex < inits.length) return this.pullAndStart([inits[this.initIndex]!.name]);
    for (const c of this.runtime.containers) if (!this.isInit(c.name)) c.state = waiting('ContainerCreating');
    return this.pullAndStart(this.runtime.containers.map((c) => c.name));
  }

  /** Pulls (or finds) the images, then creates and starts the containers; one status write for the batch. */
  private async pullAndStart(names: string[]): Promise<void> {
    const pulling: string[] = [];
    for (const name of names) {
      const c = this.specContainer(name);
      const policy = c.imagePullPolicy ?? defaultPullPolicy(c.image);
      if (policy === 'Always' || !this.ctx.images.has(normalizedImage(c.image))) {
        pulling.push(name);
        await this.event({ reason: 'Pulling', message: `Pulling image "${c.image}"` }, name);
      }
    }
    this.after(this.ctx.timing.stepMs, async () => {
      for (const name of names) {
        const c = this.specContainer(name);
        if (imageBehaviour(c.image) === 'pull-fail') {
          await this.pullFailed(name);
          continue;
        }
        this.container(name).imageID = imageId(c.image);
        if (pulling.includes(name)) {
          this.ctx.images.add(normalizedImage(c.image));
          const took = goDuration(this.ctx.timing.stepMs);
          await this.event({ reason: 'Pulled', message: `Successfully pulled image "${c.image}" in ${took} (${took} including waiting). Image size: 4194304 bytes.` }, name);
        } else {
          await this.event({ reason: 'Pulled', message: `Container image "${c.image}" already present on machine` }, name);
        }
        await this.createAndStart(name);
      }
      await this.writeStatus();
    });
  }

  private async createAndStart(name: string): Promise<void> {
    const c = this.container(name);
    const missing = missingReferences(this.pod, (kind, ref) => this.ctx.lookup(this.namespace, kind, ref))
      .find((m) => m.ref.volume === undefined && m.ref.container === name);
    if (missing) {
      this.blocked.add(name);
      this.ctx.waitForRefs(this, true);
      c.state = waiting('CreateContainerConfigError', missing.message);
      await this.event({ reason: 'Failed', message: `Error: ${missing.message}`, type: 'Warning' }, name);
      return;
    }
    this.blocked.delete(name);
    if (!this.blocked.size && !this.mountBlocked) this.ctx.waitForRefs(this, false);
    c.containerID = containerId(this.uid, name, c.restartCount);
    await this.event({ reason: 'Created', message: `Created container: ${name}` }, name);
    await this.event({ reason: 'Started', message: `Started container ${name}` }, name);
    c.state = { running: { startedAt: stamp(this.ctx.now()) } };
    c.started = true;
    const { stepMs, runMs } = this.ctx.timing;
    // Without a readiness probe a running container is ready at once; with one, after the first probe passes.
    if (this.specContainer(name).readinessProbe && !this.isInit(name)) {
      this.after(stepMs, async () => {
        if ('running' in c.state) c.ready = true;
        await this.writeStatus();
      });
    } else c.ready = !this.isInit(name);
    const behaviour = imageBehaviour(c.image);
    const exitIn = behaviour === 'crash' ? stepMs : behaviour === 'exit-0' || behaviour === 'exit-1' ? runMs : this.isInit(name) ? stepMs : undefined;
    const code = behaviour === 'crash' || behaviour === 'exit-1' ? 1 : 0;
    const startedAt = c.state.running.startedAt;
    if (exitIn !== undefined) this.after(exitIn, () => this.containerExited(name, code, startedAt));
  }

  private async retryBlocked(): Promise<void> {
    if (this.deleting) return;
    for (const name of [...this.blocked]) await this.createAndStart(name);
    await this.writeStatus();
  }

  private async pullFailed(name: string): Promise<void> {
    const c = this.container(name);
    const n = (this.pullFailures.get(name) ?? 0) + 1;
    this.pullFailures.set(name, n);
    const ref = normalizedImage(c.image);
    const rpc = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
    await this.event({ reason: 'Failed', message: `Failed to pull image "${c.image}": ${rpc}`, type: 'Warning' }, name);
    await this.event({ reason: 'Failed', message: 'Error: ErrImagePull', type: 'Warning' }, name);
    c.state = waiting('ErrImagePull', rpc);
    const delay = backOffMs(n, this.ctx.timing.backOffBaseMs, this.ctx.timing.backOffMaxMs);
    this.after(delay, async () => {
      const message = `Back-off pulling image "${c.image}"`;
      await this.event({ reason: 'BackOff', message }, name);
      await this.event({ reason: 'Failed', message: 'Error: ImagePullBackOff', type: 'Warning' }, name);
      c.state = waiting('ImagePullBackOff', message);
      await this.writeStatus();
      this.after(delay, () => this.pullAndStart([name]));
    });
  }

  private async containerExited(name: string, exitCode: number, startedAt: string): Promise<void> {
    const c = this.container(name);
    const init = this.isInit(name);
    const terminated: TerminatedState = {
      exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: stamp(this.ctx.now()), containerID: c.containerID,
    };
    c.state = { terminated };
    c.ready = false;
    c.started = false;
    const policy = this.spec.restartPolicy ?? 'Always';
    const restart = init ? exitCode !== 0 && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (init && exitCode === 0) {
      await this.writeStatus();
      this.initIndex++;
      return this.runNext();
    }
    if (!restart) {
      await this.writeStatus();
      const phase = (this.pod.status as { phase?: string } | undefined)?.phase;
      // The sandbox of a finished pod is torn down and its address goes back to the pool.
      if ((phase === 'Succeeded' || phase === 'Failed') && this.runtime.podIP) this.ctx.ips.release(this.runtime.podIP);
      return;
    }
    const n = (this.crashes.get(name) ?? 0) + 1;
    this.crashes.set(name, n);
    const restartNow = async () => {
      c.lastState = { terminated };
      c.restartCount++;
      await this.pullAndStart([name]);
    };
    if (n === 1) {
      await this.writeStatus();
      this.after(this.ctx.timing.stepMs, restartNow);
      return;
    }
    const delay = backOffMs(n - 1, this.ctx.timing.backOffBaseMs, this.ctx.timing.backOffMaxMs);
    const podRef = `${this.pod.metadata.name}_${this.namespace}(${this.uid})`;
    c.lastState = { terminated };
    c.state = waiting('CrashLoopBackOff', `back-off ${goDuration(delay)} restarting failed container=${name} pod=${podRef}`);
    await this.event({ reason: 'BackOff', message: `Back-off restarting failed container ${name} in pod ${podRef}`, type: 'Warning' }, name);
    await this.writeStatus();
    this.after(delay, restartNow);
  }

  // ---- termination: Killing events, containers stopped, terminal status, then DELETE with grace 0 ----

  private async beginTermination(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ctx.waitForRefs(this, false);
    if (!this.runtime) return this.finalDelete();
    this.runtime.terminal = true;
    const running = [...this.runtime.initContainers, ...this.runtime.containers].filter((c) => 'running' in c.state);
    for (const c of running) await this.event({ reason: 'Killing', message: `Stopping container ${c.name}` }, c.name);
    const stubborn = running.some((c) => imageBehaviour(c.image) === 'ignore-sigterm');
    const graceMs = (this.pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
    this.armKill(Date.now() + (stubborn ? graceMs : Math.min(this.ctx.timing.stepMs, graceMs)));
  }

  private armKill(deadline: number): void {
    if (this.killTimer) {
      clearTimeout(this.killTimer);
      this.timers.delete(this.killTimer);
    }
    this.killDeadline = deadline;
    this.killTimer = this.after(Math.max(0, deadline - Date.now()), () => this.finishTermination(), true);
  }

  private async finishTermination(): Promise<void> {
    this.killTimer = undefined;
    const finishedAt = stamp(this.ctx.now());
    for (const c of [...this.runtime.initContainers, ...this.runtime.containers]) {
      if ('running' in c.state) {
        const killed = imageBehaviour(c.image) === 'ignore-sigterm';
        c.state = { terminated: { exitCode: killed ? 137 : 0, reason: killed ? 'Error' : 'Completed', startedAt: c.state.running.startedAt, finishedAt, containerID: c.containerID } };
      } else if ('waiting' in c.state) {
        c.state = c.lastState.terminated
          ? { terminated: c.lastState.terminated }
          : { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } };
      }
      c.ready = false;
      c.started = false;
    }
    await this.writeStatus();
    await this.finalDelete();
  }

  private async finalDelete(): Promise<void> {
    if (this.closed) return;
    try {
      await this.ctx.api.delete(pods, this.namespace, this.pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } }, this.write);
    } catch (err) {
      if (!isKubeError(err) || (err.code !== 404 && err.code !== 409)) throw err;
    }
    this.close();
  }
}
