// The container half of a simulated pod: image pulls (and their failures), create and start, exits, restarts
// with the kubelet's back-off, init containers in order. Each step is a function of the pod it acts on, which
// kubelet-pod.ts owns; the status write that follows is the pod's.
import type { PodHost } from './kubelet-context.js';
import type { TerminatedState } from './pod-lifecycle.js';
import { invalidImageMessage } from './image-reference.js';
import { missingReferences } from './pod-references.js';
import { backOffMs, containerId, defaultPullPolicy, goDuration, imageBehaviour, imageId, normalizedImage } from './sim-images.js';

const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const waiting = (reason: string, message?: string) => ({ waiting: message ? { reason, message } : { reason } });

/** Starts the next init container, or all app containers once the init containers are done. */
export async function runNext(p: PodHost): Promise<void> {
  const inits = p.spec.initContainers ?? [];
  if (p.initIndex < inits.length) return pullAndStart(p, [inits[p.initIndex]!.name]);
  for (const c of p.runtime.containers) c.state = waiting('ContainerCreating'); // no longer PodInitializing
  // Ephemeral containers added before the sandbox was up start with the app containers.
  const ephemeral = (p.runtime.ephemeralContainers ?? []).filter((c) => !c.containerID).map((c) => c.name);
  return pullAndStart(p, [...p.runtime.containers.map((c) => c.name), ...ephemeral]);
}

/** Pulls (or finds) the images, then creates and starts the containers; one status write for the batch. */
export async function pullAndStart(p: PodHost, names: string[]): Promise<void> {
  const pulling: string[] = [];
  const valid: string[] = [];
  const epochs = new Map<string, number>();
  for (const name of names) {
    const c = p.specContainer(name);
    // The kubelet parses the reference before any pull; one that does not parse never gets further.
    const invalid = invalidImageMessage(c.image);
    if (invalid) {
      await p.event({ reason: 'InspectFailed', message: invalid, type: 'Warning' }, name);
      await p.event({ reason: 'Failed', message: 'Error: InvalidImageName', type: 'Warning' }, name);
      p.container(name).state = waiting('InvalidImageName', invalid);
      continue;
    }
    valid.push(name);
    epochs.set(name, p.epoch(name));
    const policy = c.imagePullPolicy ?? defaultPullPolicy(c.image);
    if (policy === 'Always' || !p.ctx.images.has(normalizedImage(c.image))) {
      pulling.push(name);
      await p.event({ reason: 'Pulling', message: `Pulling image "${c.image}"` }, name);
    }
  }
  if (!valid.length) return p.writeStatus();
  p.after(p.ctx.timing.stepMs, async () => {
    for (const name of valid) {
      if (p.replacedSince(name, epochs.get(name)!)) continue;
      const c = p.specContainer(name);
      if (imageBehaviour(c.image) === 'pull-fail') {
        await pullFailed(p, name);
        continue;
      }
      p.container(name).imageID = imageId(c.image);
      if (pulling.includes(name)) {
        p.ctx.images.add(normalizedImage(c.image));
        const took = goDuration(p.ctx.timing.stepMs);
        await p.event({ reason: 'Pulled', message: `Successfully pulled image "${c.image}" in ${took} (${took} including waiting). Image size: 4194304 bytes.` }, name);
      } else {
        await p.event({ reason: 'Pulled', message: `Container image "${c.image}" already present on machine` }, name);
      }
      await createAndStart(p, name);
    }
    await p.writeStatus();
  });
}

async function createAndStart(p: PodHost, name: string): Promise<void> {
  const c = p.container(name);
  const missing = missingReferences(p.pod, (kind, ref) => p.ctx.lookup(p.namespace, kind, ref))
    .find((m) => m.ref.volume === undefined && m.ref.container === name);
  if (missing) {
    p.blocked.add(name);
    p.ctx.waitForRefs(p, true);
    c.state = waiting('CreateContainerConfigError', missing.message);
    await p.event({ reason: 'Failed', message: `Error: ${missing.message}`, type: 'Warning' }, name);
    return;
  }
  p.blocked.delete(name);
  if (!p.blocked.size && !p.mountBlocked) p.ctx.waitForRefs(p, false);
  c.containerID = containerId(p.uid, name, c.restartCount);
  await p.event({ reason: 'Created', message: `Created container: ${name}` }, name);
  await p.event({ reason: 'Started', message: `Started container ${name}` }, name);
  c.state = { running: { startedAt: stamp(p.ctx.now()) } };
  c.started = true;
  p.startProcess(name);
  const { stepMs, runMs } = p.ctx.timing;
  // Without a readiness probe a running container is ready at once; with one, after the first probe passes.
  if (p.specContainer(name).readinessProbe && !p.isInit(name)) {
    p.afterFor(name, stepMs, async () => {
      if ('running' in c.state) c.ready = true;
      await p.writeStatus();
    });
  } else c.ready = !p.isInit(name) && !p.isEphemeral(name);
  const behaviour = imageBehaviour(c.image);
  const exitIn = behaviour === 'crash' ? stepMs : behaviour === 'exit-0' || behaviour === 'exit-1' ? runMs : p.isInit(name) ? stepMs : undefined;
  const code = behaviour === 'crash' || behaviour === 'exit-1' ? 1 : 0;
  const startedAt = c.state.running.startedAt;
  const id = c.containerID;
  if (exitIn !== undefined) p.afterFor(name, exitIn, () => containerExited(p, name, code, startedAt, id));
}

/** The container's main process ended by itself (a script finished, a shell exited). */
export function processExited(p: PodHost, name: string, exitCode: number, containerID: string | undefined): Promise<void> {
  const c = p.container(name);
  if (!('running' in c.state) || p.deleting) return Promise.resolve();
  return containerExited(p, name, exitCode, c.state.running.startedAt, containerID);
}

export async function retryBlocked(p: PodHost): Promise<void> {
  if (p.deleting) return;
  for (const name of [...p.blocked]) await createAndStart(p, name);
  await p.writeStatus();
}

async function pullFailed(p: PodHost, name: string): Promise<void> {
  const c = p.container(name);
  const n = (p.pullFailures.get(name) ?? 0) + 1;
  p.pullFailures.set(name, n);
  const ref = normalizedImage(c.image);
  const rpc = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
  await p.event({ reason: 'Failed', message: `Failed to pull image "${c.image}": ${rpc}`, type: 'Warning' }, name);
  await p.event({ reason: 'Failed', message: 'Error: ErrImagePull', type: 'Warning' }, name);
  c.state = waiting('ErrImagePull', rpc);
  const delay = backOffMs(n, p.ctx.timing.backOffBaseMs, p.ctx.timing.backOffMaxMs);
  p.afterFor(name, delay, async () => {
    const message = `Back-off pulling image "${c.image}"`;
    await p.event({ reason: 'BackOff', message }, name);
    await p.event({ reason: 'Failed', message: 'Error: ImagePullBackOff', type: 'Warning' }, name);
    c.state = waiting('ImagePullBackOff', message);
    await p.writeStatus();
    p.afterFor(name, delay, () => pullAndStart(p, [name]));
  });
}

async function containerExited(p: PodHost, name: string, exitCode: number, startedAt: string, containerID: string | undefined): Promise<void> {
  const c = p.container(name);
  // Only the run that scheduled this exit: a process that ended first may already have restarted it.
  if (c.containerID !== containerID || !('running' in c.state)) return;
  p.ctx.runtime?.exited(p.uid, name, exitCode);
  const init = p.isInit(name);
  const terminated: TerminatedState = {
    exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: stamp(p.ctx.now()), containerID: c.containerID,
  };
  c.state = { terminated };
  c.ready = false;
  c.started = false;
  const policy = p.spec.restartPolicy ?? 'Always';
  // Ephemeral containers are never restarted, whatever the pod's policy.
  const restart = p.isEphemeral(name) ? false : init ? exitCode !== 0 && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
  if (init && exitCode === 0) {
    await p.writeStatus();
    p.initIndex++;
    return runNext(p);
  }
  if (!restart) {
    await p.writeStatus();
    const phase = (p.pod.status as { phase?: string } | undefined)?.phase;
    // The sandbox of a finished pod is torn down and its address goes back to the pool.
    if (phase === 'Succeeded' || phase === 'Failed') p.releaseIp();
    return;
  }
  const n = (p.crashes.get(name) ?? 0) + 1;
  p.crashes.set(name, n);
  const restartNow = async () => {
    c.lastState = { terminated };
    c.restartCount++;
    await pullAndStart(p, [name]);
  };
  if (n === 1) {
    await p.writeStatus();
    p.afterFor(name, p.ctx.timing.stepMs, restartNow);
    return;
  }
  const delay = backOffMs(n - 1, p.ctx.timing.backOffBaseMs, p.ctx.timing.backOffMaxMs);
  const podRef = `${p.pod.metadata.name}_${p.namespace}(${p.uid})`;
  c.lastState = { terminated };
  c.state = waiting('CrashLoopBackOff', `back-off ${goDuration(delay)} restarting failed container=${name} pod=${podRef}`);
  await p.event({ reason: 'BackOff', message: `Back-off restarting failed container ${name} in pod ${podRef}`, type: 'Warning' }, name);
  await p.writeStatus();
  p.afterFor(name, delay, restartNow);
}

/**
 * The pod's spec now names another image for a container (the one pod field an update may change): the
 * kubelet kills the container and starts a new one from the new image, counted as a restart, with no
 * back-off since the container's definition changed.
 */
export async function replaceContainer(p: PodHost, name: string): Promise<void> {
  const c = p.container(name);
  const image = p.specContainer(name).image;
  if (!c || c.image === image || p.deleting) return;
  p.replace(name);
  if ('running' in c.state) {
    await p.event({ reason: 'Killing', message: `Container ${name} definition changed, will be restarted` }, name);
    const killed = imageBehaviour(c.image) === 'ignore-sigterm';
    c.lastState = { terminated: { exitCode: killed ? 137 : 0, reason: killed ? 'Error' : 'Completed', startedAt: c.state.running.startedAt, finishedAt: stamp(p.ctx.now()), containerID: c.containerID } };
  }
  if (c.containerID) c.restartCount++;
  c.image = image;
  c.imageID = '';
  c.state = waiting('ContainerCreating');
  c.ready = false;
  c.started = false;
  p.pullFailures.delete(name);
  p.crashes.delete(name);
  await p.writeStatus();
  await pullAndStart(p, [name]);
}
