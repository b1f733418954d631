// What a simulated container does, decided by its image name (the last path segment, tag and digest cut off),
// so a test picks a failure by picking an image. The table is documented at the top of kubelet.ts.
import { createHash } from 'node:crypto';

export type ImageBehaviour =
  | 'run' // starts and keeps running; exits 0 promptly on SIGTERM
  | 'pull-fail' // the pull never succeeds: ErrImagePull, then ImagePullBackOff
  | 'crash' // exits 1 right after it starts
  | 'exit-0' // runs briefly, then exits 0
  | 'exit-1' // runs briefly, then exits 1
  | 'ignore-sigterm'; // keeps running through SIGTERM, killed (137) when the grace period ends

const TABLE: Record<string, ImageBehaviour> = {
  'sim-pull-fail': 'pull-fail',
  'sim-crash': 'crash',
  'sim-exit-0': 'exit-0',
  'sim-exit-1': 'exit-1',
  'sim-ignore-sigterm': 'ignore-sigterm',
};

export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const last = noDigest.split('/').pop() ?? noDigest;
  return last.split(':')[0] ?? last;
}

export function imageBehaviour(image: string): ImageBehaviour {
  return TABLE[imageRepository(image)] ?? 'run';
}

/** The image reference as containerd reports it: docker.io/library/ prefixed for short names, :latest added. */
export function normalizedImage(image: string): string {
  const [name, digest] = image.split('@');
  let ref = name ?? image;
  const firstSegment = ref.split('/')[0] ?? '';
  const hasRegistry = ref.includes('/') && (firstSegment.includes('.') || firstSegment.includes(':') || firstSegment === 'localhost');
  if (!hasRegistry) ref = ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  if (!digest && !(ref.split('/').pop() ?? '').includes(':')) ref = `${ref}:latest`;
  return digest ? `${ref}@${digest}` : ref;
}

/** imageID as containerd reports it: repository@sha256 digest (stable per image, so the same image matches). */
export function imageId(image: string): string {
  const ref = normalizedImage(image);
  const repo = ref.split('@')[0]!.replace(/:[^:/]+$/, '');
  return `${repo}@sha256:${createHash('sha256').update(ref).digest('hex')}`;
}

export function containerId(podUid: string, container: string, restart: number): string {
  return `containerd://${createHash('sha256').update(`${podUid}/${container}/${restart}`).digest('hex')}`;
}

/** The pull policy the API server defaults: Always for :latest or untagged images, IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop() ?? image;
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Exponential back-off as the kubelet's (10 s doubling to 5 min), with the base and cap given scaled down. */
export function backOffMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/** Go's time.Duration String for the back-off messages: 200ms, 1.6s, 5m0s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(3))}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Number((s - m * 60).toFixed(3))}s`;
}
