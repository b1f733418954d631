// The store written through to a directory, as etcd keeps a cluster: every committed change appended to
// changes.ndjson on the next turn of the event loop (a crash loses at most the changes of that turn), and
// the log folded into snapshot.ndjson once it grows past a limit. On open, the snapshot is loaded and the log
// replayed into the watch history, so resourceVersions go on where they stopped and a watch resumed from a
// recent one works; one older than the history gets 410 Expired as usual.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Store, type Change, type ChangeType } from './store.js';
import type { KubeObject } from './types.js';

export interface PersistentStore {
  store: Store;
  /** Writes what is pending and closes the log. */
  close(): void;
  /** Folds the log into a new snapshot now (also done when the log passes maxLogBytes). */
  compact(): void;
}

export interface PersistenceOptions {
  historySize?: number;
  /** Log size that triggers a snapshot (default 64 MiB). */
  maxLogBytes?: number;
}

const SNAPSHOT = 'snapshot.ndjson';
const LOG = 'changes.ndjson';

/** Lines of a file; a last line cut short by a crash is dropped. */
function* lines(path: string): Iterable<Record<string, any>> {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      yield JSON.parse(line) as Record<string, any>;
    } catch {
      return;
    }
  }
}

export function openPersistentStore(dir: string, opts: PersistenceOptions = {}): PersistentStore {
  mkdirSync(dir, { recursive: true });
  const store = new Store(opts.historySize ?? 10_000);
  const maxLogBytes = opts.maxLogBytes ?? 64 * 1024 * 1024;
  const snapshotPath = join(dir, SNAPSHOT);
  const logPath = join(dir, LOG);

  let snapshotRv = 0;
  const objects: Array<[string, KubeObject]> = [];
  for (const entry of lines(snapshotPath)) {
    if (typeof entry.rv === 'number' && !entry.k) snapshotRv = entry.rv;
    else objects.push([entry.k as string, entry.o as KubeObject]);
  }
  store.restore(objects, snapshotRv);
  for (const entry of lines(logPath)) {
    if (entry.rv > store.currentRv()) store.replay(entry.t as ChangeType, entry.k as string, entry.o as KubeObject, entry.rv as number);
  }

  const fd = openSync(logPath, 'a');
  let logBytes = fstatSync(fd).size;
  let pending: Change[] = [];
  let scheduled = false;
  let closed = false;

  function flush(): void {
    scheduled = false;
    if (!pending.length) return;
    // Stored objects are frozen, so serialising them here, off the commit path, sees what was committed.
    const text = pending.map((c) => JSON.stringify({ rv: c.rv, t: c.type, k: c.resourceKey, o: c.object })).join('\n') + '\n';
    pending = [];
    const buf = Buffer.from(text, 'utf8');
    writeSync(fd, buf);
    logBytes += buf.length;
    if (logBytes > maxLogBytes) compact();
  }

  function compact(): void {
    if (closed) return;
    flush();
    const tmp = `${snapshotPath}.tmp`;
    const out = openSync(tmp, 'w');
    writeSync(out, `${JSON.stringify({ rv: store.currentRv() })}\n`);
    let chunk: string[] = [];
    for (const [k, o] of store.entries()) {
      chunk.push(JSON.stringify({ k, o }));
      if (chunk.length >= 500) { writeSync(out, `${chunk.join('\n')}\n`); chunk = []; }
    }
    if (chunk.length) writeSync(out, `${chunk.join('\n')}\n`);
    fsyncSync(out);
    closeSync(out);
    renameSync(tmp, snapshotPath);
    // Everything in the log is now in the snapshot (replay skips what the snapshot's revision covers anyway).
    ftruncateSync(fd, 0);
    logBytes = 0;
  }

  store.subscribe((change) => {
    if (closed) return;
    pending.push(change);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });

  return {
    store,
    compact,
    close() {
      if (closed) return;
      flush();
      closed = true;
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}
