// A container's filesystem, in memory: the image's few base files plus the pod's volumes mounted where the
// container mounts them. A mount is a shared directory node, so an emptyDir written by one container is read
// by the other; configMap, secret, downwardAPI and projected mounts are read-only, as the kubelet mounts them.

export interface FsNode {
  type: 'dir' | 'file';
  mode: number; // permission bits, e.g. 0o644
  mtime: Date;
  data?: Buffer; // files
  children?: Map<string, FsNode>; // directories
  /** Set on a read-only mount's root: nothing below it may change. */
  readOnly?: boolean;
}

/** errno-style failure; `message` is the C library's text, as a shell prints it after the file name. */
export class FsError extends Error {
  constructor(readonly code: 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EROFS' | 'EEXIST', message: string) {
    super(message);
  }
}

const TEXT = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EROFS: 'Read-only file system',
  EEXIST: 'File exists',
} as const;
const fail = (code: keyof typeof TEXT) => new FsError(code, TEXT[code]);

export function newDir(mode = 0o755, now = new Date()): FsNode {
  return { type: 'dir', mode, mtime: now, children: new Map() };
}

export function newFile(data: Buffer | string, mode = 0o644, now = new Date()): FsNode {
  return { type: 'file', mode, mtime: now, data: Buffer.isBuffer(data) ? data : Buffer.from(data) };
}

/** "a/../b//c/" against cwd, as an absolute path without a trailing slash ("/" for the root). */
export function normalizePath(cwd: string, path: string): string {
  const parts: string[] = [];
  for (const seg of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

export class SimFs {
  readonly root: FsNode = newDir();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** The node at an absolute path, and whether a read-only mount covers it. */
  private walk(path: string): { node: FsNode | undefined; readOnly: boolean; parent?: FsNode; name: string } {
    let node: FsNode | undefined = this.root;
    let parent: FsNode | undefined;
    let readOnly = false;
    const segs = path.split('/').filter(Boolean);
    for (const seg of segs) {
      if (!node) return { node: undefined, readOnly, name: seg };
      if (node.type !== 'dir') throw fail('ENOTDIR');
      readOnly ||= !!node.readOnly;
      parent = node;
      node = node.children!.get(seg);
    }
    return { node, readOnly: readOnly || !!node?.readOnly, parent, name: segs[segs.length - 1] ?? '' };
  }

  stat(path: string): FsNode | undefined {
    try {
      return this.walk(path).node;
    } catch {
      return undefined;
    }
  }

  readFile(path: string): Buffer {
    const { node } = this.walk(path);
    if (!node) throw fail('ENOENT');
    if (node.type === 'dir') throw fail('EISDIR');
    return node.data!;
  }

  /** Names in a directory, sorted as ls sorts them in the C locale. */
  list(path: string): string[] {
    const { node } = this.walk(path);
    if (!node) throw fail('ENOENT');
    if (node.type !== 'dir') throw fail('ENOTDIR');
    return [...node.children!.keys()].sort();
  }

  mkdirp(path: string, mode = 0o755): FsNode {
    let node = this.root;
    let readOnly = false;
    for (const seg of path.split('/').filter(Boolean)) {
      if (node.type !== 'dir') throw fail('ENOTDIR');
      readOnly ||= !!node.readOnly;
      let next = node.children!.get(seg);
      if (!next) {
        if (readOnly) throw fail('EROFS');
        next = newDir(mode, this.now());
        node.children!.set(seg, next);
      }
      node = next;
    }
    if (node.type !== 'dir') throw fail('ENOTDIR');
    return node;
  }

  writeFile(path: string, data: Buffer, opts: { mode?: number; append?: boolean; mtime?: Date } = {}): void {
    const { node, readOnly, parent, name } = this.walk(path);
    if (!parent) throw fail(node ? 'EISDIR' : 'ENOENT');
    if (readOnly || parent.readOnly) throw fail('EROFS');
    if (node?.type === 'dir') throw fail('EISDIR');
    const mtime = opts.mtime ?? this.now();
    if (node && opts.append) {
      node.data = Buffer.concat([node.data!, data]);
      node.mtime = mtime;
    } else if (node) {
      node.data = data;
      node.mtime = mtime;
      if (opts.mode !== undefined) node.mode = opts.mode;
    } else {
      parent.children!.set(name, newFile(data, opts.mode ?? 0o644, mtime));
    }
  }

  remove(path: string): void {
    const { node, readOnly, parent, name } = this.walk(path);
    if (!node || !parent) throw fail('ENOENT');
    if (readOnly) throw fail('EROFS');
    parent.children!.delete(name);
  }

  /** Attaches a directory node (a volume) at path, creating the mount point's parents. */
  mount(path: string, dir: FsNode): void {
    const parentPath = path.replace(/\/[^/]+\/?$/, '') || '/';
    const name = path.split('/').filter(Boolean).pop();
    if (!name) return;
    const parent = this.mkdirpUnchecked(parentPath);
    parent.children!.set(name, dir);
  }

  /** mkdirp that ignores read-only mounts: mount points inside a read-only volume are the kubelet's to make. */
  private mkdirpUnchecked(path: string): FsNode {
    let node = this.root;
    for (const seg of path.split('/').filter(Boolean)) {
      let next = node.children!.get(seg);
      if (!next || next.type !== 'dir') {
        next = newDir(0o755, this.now());
        node.children!.set(seg, next);
      }
      node = next;
    }
    return node;
  }
}
