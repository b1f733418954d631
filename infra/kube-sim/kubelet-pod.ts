// One pod on one simulated node: a small state machine driven by timers, writing status the way the kubelet's
// status manager does (strategic merge patches on pods/status with a uid precondition) and recording the
// kubelet's events. Steps of one pod run one at a time through a promise chain, so a watch event that
// arrives mid-step never interleaves with it.
import { isKubeError } from './errors.js';
import type { NodeContext, PodHost, SpecContainer } from './kubelet-context.js';
import { adoptableRuntime } from './kubelet-adopt.js';
import { processExited, replaceContainer, retryBlocked, runNext, waiting } from './kubelet-containers.js';
import { newEphemeralContainers, startEphemeral } from './kubelet-ephemeral.js';
import { desiredStatus, statusPatch, type ContainerRuntime, type PodRuntime } from './pod-lifecycle.js';
import { missingReferences, type RefKind } from './pod-references.js';
import { pods } from './resources.js';
import { recordEvent, type EventSpec } from './sim-events.js';
import { imageBehaviour } from './sim-images.js';
import type { KubeObject } from './types.js';

const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const rvNumber = (o: KubeObject) => Number(o.metadata.resourceVersion ?? 0);

/** The pod's readiness-gate conditions as one comparable string ('' without gates). */
function gateConditions(pod: KubeObject): string {
  const gates = new Set((((pod.spec ?? {}) as { readinessGates?: Array<{ conditionType: string }> }).readinessGates ?? []).map((g) => g.conditionType));
  if (gates.size === 0) return '';
  const conditions = ((pod.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).filter((c) => gates.has(c.type));
  return JSON.stringify(conditions.map((c) => [c.type, c.status]).sort());
}

export class PodWorker implements PodHost {
  readonly uid: string;
  pod: KubeObject;
  runtime!: PodRuntime;
  private readonly timers = new Set<NodeJS.Timeout>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  deleting = false;
  private killTimer: NodeJS.Timeout | undefined;
  private killDeadline = Infinity;
  private ipReleased = false;
  initIndex = 0;
  readonly pullFailures = new Map<string, number>();
  readonly crashes = new Map<string, number>();
  readonly blocked = new Set<string>();
  mountBlocked = false;
  private readonly epochs = new Map<string, number>();

  constructor(readonly ctx: NodeContext, pod: KubeObject) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
  }

  private get write() {
    return { dryRun: false, user: this.ctx.user, fieldManager: 'kubelet' };
  }

  get namespace(): string {
    return this.pod.metadata.namespace ?? 'default';
  }

  get spec() {
    return (this.pod.spec ?? {}) as { containers?: SpecContainer[]; initContainers?: SpecContainer[]; ephemeralContainers?: SpecContainer[]; restartPolicy?: string };
  }

  specContainer(name: string): SpecContainer {
    return [...(this.spec.initContainers ?? []), ...(this.spec.containers ?? []), ...(this.spec.ephemeralContainers ?? [])].find((c) => c.name === name)!;
  }

  isInit(name: string): boolean {
    return (this.spec.initContainers ?? []).some((c) => c.name === name);
  }

  isEphemeral(name: string): boolean {
    return (this.spec.ephemeralContainers ?? []).some((c) => c.name === name);
  }

  container(name: string): ContainerRuntime {
    return this.allContainers().find((c) => c.name === name)!;
  }

  private allContainers(): ContainerRuntime[] {
    return [...this.runtime.initContainers, ...this.runtime.containers, ...(this.runtime.ephemeralContainers ?? [])];
  }

  start(): void {
    // A pod this node was running before a restart is taken over as it stands (kubelet-adopt.ts).
    const adopted = adoptableRuntime(this.pod, this.ctx.hostIP);
    if (adopted && this.ctx.ips.reserve(adopted.podIP!)) {
      this.runtime = adopted;
      this.initIndex = adopted.initContainers.length;
    } else this.enqueue(() => this.firstSync());
    this.observe(this.pod);
  }

  /** A newer view of the pod from the watch or from a write. */
  observe(pod: KubeObject): void {
    if (pod.metadata.uid !== this.uid || rvNumber(pod) < rvNumber(this.pod)) return;
    const gatesBefore = gateConditions(this.pod);
    this.pod = pod;
    // A readiness-gate condition set by someone else: the status manager recomputes Ready (as the kubelet does).
    if (this.runtime && !this.deleting && !pod.metadata.deletionTimestamp && gateConditions(pod) !== gatesBefore) this.enqueue(() => this.writeStatus());
    if (this.closed) return;
    if (!pod.metadata.deletionTimestamp) {
      if (this.runtime && newEphemeralContainers(this).length) this.enqueue(() => startEphemeral(this));
      // An app container whose image the spec changed is replaced (init containers have run their course).
      for (const c of this.runtime?.containers ?? []) {
        const name = c.name;
        if (!this.deleting && this.specContainer(name)?.image !== c.image) this.enqueue(() => replaceContainer(this, name));
      }
      return;
    }
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
    else if (this.blocked.size) this.enqueue(() => retryBlocked(this));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.releaseIp();
    this.ctx.waitForRefs(this, false);
    this.ctx.runtime?.removePod(this.uid);
  }

  startProcess(name: string): void {
    const c = this.container(name);
    const id = c.containerID;
    this.ctx.runtime?.start({
      pod: this.pod, name, kind: this.isInit(name) ? 'init' : this.isEphemeral(name) ? 'ephemeral' : 'regular', restartCount: c.restartCount, containerID: id ?? '',
      nodeName: this.ctx.node, hostIP: this.ctx.hostIP, podIP: this.runtime.podIP ?? '',
      onProcessExit: (code) => this.enqueue(() => processExited(this, name, code, id)),
    });
  }

  releaseIp(): void {
    if (this.ipReleased || !this.runtime?.podIP) return;
    this.ipReleased = true;
    this.ctx.ips.release(this.runtime.podIP);
  }

  settled(): Promise<void> {
    return this.chain;
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.closed ? undefined : step())).catch(() => undefined);
  }

  /** Lifecycle timers are dropped once termination begins; teardown timers are not. */
  after(ms: number, step: () => Promise<void>, teardown = false): NodeJS.Timeout | undefined {
    if (this.closed) return undefined; // a step still in flight when the pod was forgotten schedules nothing
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(() => (this.deleting && !teardown ? Promise.resolve() : step()));
    }, ms);
    this.timers.add(t);
    return t;
  }

  afterFor(container: string, ms: number, step: () => Promise<void>): void {
    const epoch = this.epoch(container);
    this.after(ms, () => (this.replacedSince(container, epoch) ? Promise.resolve() : step()));
  }

  epoch(container: string): number {
    return this.epochs.get(container) ?? 0;
  }

  replacedSince(container: string, epoch: number): boolean {
    return this.epoch(container) !== epoch;
  }

  replace(container: string): void {
    this.epochs.set(container, this.epoch(container) + 1);
    this.blocked.delete(container);
  }

  event(spec: Omit<EventSpec, 'component' | 'host'>, container?: string): Promise<void> {
    const list = container && (this.isInit(container) ? 'initContainers' : this.isEphemeral(container) ? 'ephemeralContainers' : 'containers');
    const fieldPath = container ? `spec.${list}{${container}}` : undefined;
    return recordEvent(this.ctx.api, this.write, this.pod, { ...spec, fieldPath, component: 'kubelet', host: this.ctx.node }, this.ctx.now());
  }

  async writeStatus(): Promise<void> {
    const desired = desiredStatus(this.pod, this.runtime, this.ctx.now());
    const patch = statusPatch(this.uid, (this.pod.status ?? {}) as Record<string, unknown>, desired);
    if (!patch || this.closed) return;
    try {
      const { object } = await this.ctx.api.patch(pods, this.namespace, this.pod.metadata.name!, 'strategic', patch, this.write, 'status');
      this.observe(object);
    } catch (err) {
      // 404: gone; 409: the uid precondition failed, a new pod took the name. Either way it is not ours.
      if (isKubeError(err) && (err.code === 404 || err.code === 409)) this.close();
      // Anything else (a 5xx, a 429) is retried: the next write carries the whole desired status anyway.
      else this.after(this.ctx.timing.stepMs, () => this.writeStatus(), this.deleting);
    }
  }

  newContainer(c: SpecContainer, reason: string): ContainerRuntime {
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
      ephemeralContainers: [],
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
    await runNext(this);
  }

  // ---- termination: Killing events, containers stopped, terminal status, then DELETE with grace 0 ----

  private async beginTermination(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ctx.waitForRefs(this, false);
    if (!this.runtime) return this.finalDelete();
    this.runtime.terminal = true;
    const running = this.allContainers().filter((c) => 'running' in c.state);
    for (const c of running) {
      await this.event({ reason: 'Killing', message: `Stopping container ${c.name}` }, c.name);
      this.ctx.runtime?.terminating(this.uid, c.name);
    }
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
    for (const c of this.allContainers()) {
      if ('running' in c.state) {
        const killed = imageBehaviour(c.image) === 'ignore-sigterm';
        c.state = { terminated: { exitCode: killed ? 137 : 0, reason: killed ? 'Error' : 'Completed', startedAt: c.state.running.startedAt, finishedAt, containerID: c.containerID } };
        this.ctx.runtime?.stopped(this.uid, c.name, killed ? 137 : 0);
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
      if (!isKubeError(err) || (err.code !== 404 && err.code !== 409)) {
        this.after(this.ctx.timing.stepMs, () => this.finalDelete(), true);
        return;
      }
    }
    this.close();
  }
}
