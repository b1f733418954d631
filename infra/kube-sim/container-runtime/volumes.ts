// A pod's volumes as the kubelet sets them up, as directory trees: configMap and secret keys as files (items,
// modes, optional sources), downwardAPI items, projected sources merged into one directory (the service-account
// token included), emptyDir shared by every container of the pod. Other volume types are empty directories.
import { createHmac, randomUUID } from 'node:crypto';
import type { KubeObject } from '../types.js';
import { fieldRefValue, resourceFieldValue, type PodPlacement } from './downward-api.js';
import { newDir, newFile, type FsNode } from './filesystem.js';

type Obj = Record<string, any>;

/** The ConfigMap, Secret or ServiceAccount of the pod's namespace, or undefined. */
export type ObjectLookup = (kind: 'configmap' | 'secret' | 'serviceaccount', name: string) => KubeObject | undefined;

export interface VolumeContext {
  pod: KubeObject;
  at: PodPlacement;
  lookup: ObjectLookup;
  now: Date;
  /** Signs service-account tokens (per simulator). */
  tokenKey: Buffer;
}

/** Keys of a ConfigMap or Secret with their bytes. */
function keyData(obj: KubeObject, secret: boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, secret ? 'base64' : 'utf8'));
  if (!secret) for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

function put(dir: FsNode, path: string, data: Buffer | string, mode: number, now: Date): void {
  const segs = path.split('/').filter((s) => s && s !== '.' && s !== '..');
  let node = dir;
  for (const seg of segs.slice(0, -1)) {
    let next = node.children!.get(seg);
    if (!next) node.children!.set(seg, (next = newDir(0o755, now)));
    node = next;
  }
  const name = segs[segs.length - 1];
  if (name) node.children!.set(name, newFile(data, mode, now));
}

/** configMap / secret source: every key, or only the listed items, at their paths and modes. */
function keysInto(dir: FsNode, data: Map<string, Buffer>, items: Obj[] | undefined, defaultMode: number, now: Date): void {
  if (items?.length) {
    for (const item of items) {
      const bytes = data.get(item.key);
      if (bytes) put(dir, item.path ?? item.key, bytes, item.mode ?? defaultMode, now);
    }
    return;
  }
  for (const [k, bytes] of data) put(dir, k, bytes, defaultMode, now);
}

function downwardInto(dir: FsNode, items: Obj[] | undefined, defaultMode: number, ctx: VolumeContext): void {
  for (const item of items ?? []) {
    let value: string | undefined;
    if (item.fieldRef?.fieldPath) value = fieldRefValue(ctx.pod, item.fieldRef.fieldPath, ctx.at);
    else if (item.resourceFieldRef) value = resourceFieldValue(ctx.pod, item.resourceFieldRef.containerName, item.resourceFieldRef, ctx.at);
    if (value !== undefined) put(dir, item.path, value, item.mode ?? defaultMode, ctx.now);
  }
}

const b64url = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');

/** A bound service-account token shaped like the API server's (claims per TokenRequest); signed, not verifiable. */
export function serviceAccountToken(ctx: VolumeContext, expirationSeconds: number, audience: string | undefined): string {
  const meta = ctx.pod.metadata;
  const sa = ((ctx.pod.spec ?? {}) as Obj).serviceAccountName ?? 'default';
  const iat = Math.floor(ctx.now.getTime() / 1000);
  const issuer = 'https://kubernetes.default.svc.cluster.local';
  const claims = {
    aud: [audience ?? issuer], exp: iat + expirationSeconds, iat, iss: issuer, jti: randomUUID(),
    'kubernetes.io': {
      namespace: meta.namespace, node: { name: ctx.at.nodeName }, pod: { name: meta.name, uid: meta.uid },
      serviceaccount: { name: sa, uid: ctx.lookup('serviceaccount', sa)?.metadata.uid ?? '' }, warnafter: iat + 3600,
    },
    nbf: iat, sub: `system:serviceaccount:${meta.namespace}:${sa}`,
  };
  const head = `${b64url({ alg: 'RS256', kid: 'kube-sim' })}.${b64url(claims)}`;
  return `${head}.${b64url(createHmac('sha256', ctx.tokenKey).update(head).digest())}`;
}

/** The directory a volume presents, and whether the kubelet mounts it read-only. */
export function buildVolume(volume: Obj, ctx: VolumeContext): { dir: FsNode; readOnly: boolean } {
  const dir = newDir(0o777, ctx.now);
  const source = (kind: 'configmap' | 'secret', src: Obj | undefined, items: Obj[] | undefined, mode: number) => {
    const name = kind === 'secret' ? src?.secretName ?? src?.name : src?.name;
    const obj = name ? ctx.lookup(kind, name) : undefined;
    if (obj) keysInto(dir, keyData(obj, kind === 'secret'), items, mode, ctx.now);
  };
  if (volume.configMap) {
    source('configmap', volume.configMap, volume.configMap.items, volume.configMap.defaultMode ?? 0o644);
    return { dir, readOnly: true };
  }
  if (volume.secret) {
    source('secret', volume.secret, volume.secret.items, volume.secret.defaultMode ?? 0o644);
    return { dir, readOnly: true };
  }
  if (volume.downwardAPI) {
    downwardInto(dir, volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? 0o644, ctx);
    return { dir, readOnly: true };
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? 0o644;
    for (const s of (volume.projected.sources ?? []) as Obj[]) {
      if (s.configMap) source('configmap', s.configMap, s.configMap.items, mode);
      if (s.secret) source('secret', s.secret, s.secret.items, mode);
      if (s.downwardAPI) downwardInto(dir, s.downwardAPI.items, mode, ctx);
      if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        put(dir, t.path ?? 'token', serviceAccountToken(ctx, t.expirationSeconds ?? 3607, t.audience), mode, ctx.now);
      }
    }
    return { dir, readOnly: true };
  }
  return { dir, readOnly: false };
}
