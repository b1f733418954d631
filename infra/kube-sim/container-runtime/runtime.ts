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

/** A mount the kubelet keeps current while the container runs (configMap, secret, downwardAPI, projected; no subPath). */
interface LiveMount {
  path: string;
  volume: string;
  readOnly: boolean;
  at: PodPlacement;
}

export class Sandbox {
  readonly runs = new Map<string, ContainerInstance[]>();
  readonly emptyDirs = new Map<string, FsNode>();
  readonly liveMounts = new Map<ContainerInstance, LiveMount[]>();
  /** The runtime's index keys this pod is under (mountedBy), to leave them when it goes. */
  readonly mountedKeys = new Set<string>();
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
  /** Pods (uids) with a live mount of a ConfigMap or Secret, by `configmap|secret/<ns>/<name>`. */
  private readonly mountedBy = new Map<string, Set<string>>();

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
    const live: LiveMount[] = [];
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
        if (!m.subPath && !m.subPathExpr && !projectsOwnToken(volume)) live.push({ path: m.mountPath, volume: m.name, readOnly: !!m.readOnly, at });
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
    for (const gone of box.runs.get(req.name) ?? []) if (!list.includes(gone)) box.liveMounts.delete(gone);
    box.runs.set(req.name, list);
    if (live.length > 0) {
      box.liveMounts.set(instance, live);
      for (const m of live) for (const ref of objectsOf(volumes.get(m.volume)!)) this.index(`${ref}/${namespace}`, box);
    }
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

  /**
   * What the kubelet's volume manager does within its sync period: the configMap, secret, downwardAPI and
   * projected mounts of running containers show the objects (and the pod's metadata) as they are now. Called
   * when the pod changed or when a ConfigMap or Secret of its namespace did (`namespace` alone). A mount with a
   * subPath keeps what it had, as on a real node; a volume that projects the host's own token is not rebuilt
   * (the kubelet rotates that one on its own schedule).
   */
  refreshVolumes(changed: { pod: KubeObject } | { kind: 'configmap' | 'secret'; namespace: string; name: string }): void {
    const uids = 'pod' in changed ? [changed.pod.metadata.uid ?? ''] : [...(this.mountedBy.get(`${changed.kind}/${changed.name}/${changed.namespace}`) ?? [])];
    const boxes = uids.map((uid) => this.sandboxes.get(uid)).filter((b): b is Sandbox => b !== undefined);
    for (const box of boxes) {
      if ('pod' in changed) {
        // Of the pod itself only its metadata reaches volumes (downward API); a status update changes nothing.
        const same = JSON.stringify([box.pod.metadata.labels, box.pod.metadata.annotations]) === JSON.stringify([changed.pod.metadata.labels, changed.pod.metadata.annotations]);
        box.pod = changed.pod;
        if (same) continue;
      }
      const volumes = new Map((((box.pod.spec ?? {}) as Obj).volumes ?? [] as Obj[]).map((v: Obj) => [v.name, v]));
      const lookup = this.lookup(box.namespace);
      const now = this.now();
      for (const [instance, mounts] of box.liveMounts) {
        if (instance.state !== 'running') continue;
        for (const m of mounts) {
          const volume = volumes.get(m.volume) as Obj | undefined;
          if (!volume) continue;
          const built = buildVolume(volume, { pod: box.pod, at: m.at, lookup, now, tokenKey: this.tokenKey });
          instance.fs.mount(m.path, { ...built.dir, readOnly: built.readOnly || m.readOnly });
        }
      }
    }
  }

  private index(key: string, box: Sandbox): void {
    let set = this.mountedBy.get(key);
    if (!set) this.mountedBy.set(key, (set = new Set()));
    set.add(box.uid);
    box.mountedKeys.add(key);
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
    for (const key of box.mountedKeys) {
      const set = this.mountedBy.get(key);
      if (set?.delete(uid) && set.size === 0) this.mountedBy.delete(key);
    }
    if (this.byName.get(`${box.namespace}/${box.name}`) === uid) this.byName.delete(`${box.namespace}/${box.name}`);
    box.remove();
  }
}

/** The ConfigMaps and Secrets a volume reads (`configmap/<name>`, `secret/<name>`). */
function objectsOf(volume: Obj): string[] {
  const out: string[] = [];
  if (volume.configMap?.name) out.push(`configmap/${volume.configMap.name}`);
  if (volume.secret?.secretName) out.push(`secret/${volume.secret.secretName}`);
  for (const src of (volume.projected?.sources ?? []) as Obj[]) {
    if (src.configMap?.name) out.push(`configmap/${src.configMap.name}`);
    if (src.secret?.name) out.push(`secret/${src.secret.name}`);
  }
  return out;
}

function projectsOwnToken(volume: Obj): boolean {
  return ((volume.projected?.sources ?? []) as Obj[]).some((s) => s.serviceAccountToken);
}
