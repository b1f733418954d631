// The simulated container runtime of host mode, shared by every simulated node: per pod a sandbox holding
// each container's runs (the current one and the ones before it, so `logs --previous` works) and the pod's
// emptyDirs. The kubelet starts and stops containers; the streaming handlers read logs, run commands in a
// container and attach to it. A container's files and environment are resolved from the API at start.
import { randomBytes } from 'node:crypto';
import { configMaps, nodes, secrets, serviceAccounts, services } from '../resources.js';
import type { Api, KubeObject } from '../types.js';
import type { PodPlacement } from './downward-api.js';
import { baseFilesystem } from './base-files.js';
import { containerEnvironment } from './env.js';
import type { FsNode } from './filesystem.js';
import { ContainerInstance, type ContainerKind } from './instance.js';
import { startMainProcess } from './processes.js';
import { exitLines, signalLines, startupLines } from './startup-lines.js';
import { buildVolume, type ObjectLookup } from './volumes.js';

type Obj = Record<string, any>;

export interface StartRequest {
  pod: KubeObject;
  name: string;
  kind: ContainerKind;
  restartCount: number;
  containerID: string;
  nodeName: string;
  hostIP: string;
  podIP: string;
  /** The main process ended by itself (a script finished, a shell exited) with this code. */
  onProcessExit(code: number): void;
}

export class Sandbox {
  readonly runs = new Map<string, ContainerInstance[]>();
  readonly emptyDirs = new Map<string, FsNode>();
  removed = false;
  private readonly removedListeners = new Set<() => void>();

  constructor(readonly uid: string, readonly namespace: string, readonly name: string, public pod: KubeObject) {}

  /** The latest run of a container. */
  current(name: string): ContainerInstance | undefined {
    const list = this.runs.get(name);
    return list?.[list.length - 1];
  }

  /** The run before the latest (what `--previous` shows). */
  previous(name: string): ContainerInstance | undefined {
    const list = this.runs.get(name);
    return list && list.length > 1 ? list[list.length - 2] : undefined;
  }

  onRemoved(listener: () => void): () => void {
    if (this.removed) {
      listener();
      return () => undefined;
    }
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    for (const l of this.removedListeners) l();
    this.removedListeners.clear();
  }
}

export class SimRuntime {
  private readonly sandboxes = new Map<string, Sandbox>(); // by pod uid
  private readonly byName = new Map<string, string>(); // `${ns}/${name}` -> uid
  private readonly tokenKey = randomBytes(32);
  private readonly allocatables = new Map<string, Record<string, string>>();

  constructor(private readonly api: Api, private readonly now: () => Date = () => new Date()) {}

  /** The sandbox of the pod now holding this name, if it runs on a simulated node. */
  sandbox(namespace: string, name: string): Sandbox | undefined {
    const uid = this.byName.get(`${namespace}/${name}`);
    return uid ? this.sandboxes.get(uid) : undefined;
  }

  private sandboxFor(pod: KubeObject): Sandbox {
    const uid = pod.metadata.uid ?? '';
    let box = this.sandboxes.get(uid);
    if (!box) {
      box = new Sandbox(uid, pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', pod);
      this.sandboxes.set(uid, box);
      this.byName.set(`${box.namespace}/${box.name}`, uid);
    }
    box.pod = pod;
    return box;
  }

  private lookup(namespace: string): ObjectLookup {
    return (kind, name) => {
      const resource = kind === 'configmap' ? configMaps : kind === 'secret' ? secrets : serviceAccounts;
      try {
        return this.api.get(resource, namespace, name);
      } catch {
        return undefined;
      }
    };
  }

  private visibleServices(namespace: string): KubeObject[] {
    const own = this.api.list(services, namespace, {}).items;
    if (namespace === 'default') return own;
    return [...this.api.list(services, 'default', { fieldSelector: 'metadata.name=kubernetes' }).items, ...own];
  }

  /** A node's allocatable (what unset limits fall back to); fixed for a simulated node, so read once. */
  private allocatable(nodeName: string): Record<string, string> {
    let found = this.allocatables.get(nodeName);
    if (!found) {
      try {
        found = ((this.api.get(nodes, undefined, nodeName).status as Obj | undefined)?.allocatable ?? {}) as Record<string, string>;
        this.allocatables.set(nodeName, found);
      } catch {
        return {};
      }
    }
    return found;
  }

  /** Creates and starts a container: files, environment, log, main process. */
  start(req: StartRequest): ContainerInstance {
    const box = this.sandboxFor(req.pod);
    const pod = req.pod;
    const spec = (pod.spec ?? {}) as Obj;
    const all = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])] as Obj[];
    const container = all.find((c) => c.name === req.name) ?? { name: req.name };
    const namespace = box.namespace;
    const at: PodPlacement = { nodeName: req.nodeName, hostIP: req.hostIP, podIP: req.podIP, allocatable: this.allocatable(req.nodeName) };
    const hostname = spec.hostname || box.name;
    const lookup = this.lookup(namespace);
    const now = this.now();
    const fs = baseFilesystem({ hostname, podIP: req.podIP, namespace, hostAliases: spec.hostAliases, now: this.now });
    const volumes = new Map(((spec.volumes ?? []) as Obj[]).map((v) => [v.name, v]));
    // Ephemeral containers share the target's mounts only if they name them, like any other container.
    for (const m of (container.volumeMounts ?? []) as Obj[]) {
      const volume = volumes.get(m.name);
      if (!volume || !m.mountPath) continue;
      let dir: FsNode;
      if (volume.emptyDir || !(volume.configMap || volume.secret || volume.downwardAPI || volume.projected)) {
        dir = box.emptyDirs.get(m.name) ?? buildVolume(volume, { pod, at, lookup, now, tokenKey: this.tokenKey }).dir;
        box.emptyDirs.set(m.name, dir);
        if (m.readOnly) dir = { ...dir, readOnly: true };
      } else {
        const built = buildVolume(volume, { pod, at, lookup, now, tokenKey: this.tokenKey });
        dir = { ...built.dir, readOnly: built.readOnly || !!m.readOnly };
      }
      fs.mount(m.mountPath, dir);
    }
    const env = containerEnvironment({ pod, container, at, lookup, services: this.visibleServices(namespace), hostname });
    const instance = new ContainerInstance(
      { name: req.name, kind: req.kind, image: container.image ?? '', restartCount: req.restartCount, containerID: req.containerID, spec: container },
      fs, env, hostname, this.now,
    );
    // The kubelet keeps one dead container per container (for --previous); older runs are collected.
    const list = [...(box.runs.get(req.name) ?? []), instance].slice(-2);
    box.runs.set(req.name, list);
    let exited = false;
    const exit = (code: number) => {
      if (exited || instance.state !== 'running') return;
      exited = true;
      req.onProcessExit(code);
    };
    instance.process = startMainProcess(instance, exit);
    if (!instance.process) for (const l of startupLines(req.name, instance.info.image, req.restartCount, container.ports)) instance.writeLine(l.stream, l.text);
    return instance;
  }

  /** The container exited by itself (the kubelet's image behaviour): its last words, then the end of its log. */
  exited(uid: string, name: string, exitCode: number): void {
    const c = this.sandboxes.get(uid)?.current(name);
    if (!c || c.state !== 'running') return;
    if (!c.process) for (const l of exitLines(c.info.image, exitCode, c.info.kind === 'init')) c.writeLine(l.stream, l.text);
    c.exited(exitCode);
  }

  /** SIGTERM reached the container: it says so (and keeps running until stopped). */
  terminating(uid: string, name: string): void {
    const c = this.sandboxes.get(uid)?.current(name);
    if (c?.state === 'running' && !c.process) for (const l of signalLines(c.info.image)) c.writeLine(l.stream, l.text);
  }

  /** Stopped by the kubelet (end of termination): exit code 0 after SIGTERM, 137 when killed. */
  stopped(uid: string, name: string, exitCode: number): void {
    this.sandboxes.get(uid)?.current(name)?.exited(exitCode);
  }

  /** The pod is gone from the node: every container ends, the sandbox and its logs are dropped. */
  removePod(uid: string): void {
    const box = this.sandboxes.get(uid);
    if (!box) return;
    for (const list of box.runs.values()) list[list.length - 1]?.exited(137);
    this.sandboxes.delete(uid);
    if (this.byName.get(`${box.namespace}/${box.name}`) === uid) this.byName.delete(`${box.namespace}/${box.name}`);
    box.remove();
  }
}
