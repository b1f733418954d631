// The store written through to a directory, as etcd keeps a cluster: every committed change appended to
// changes.ndjson on the next turn of the event loop (a crash loses at most the changes of that turn), and the
// log folded into snapshot.ndjson once it grows past a limit. Folding never stops the API: the log is first
// set aside (changes.old.ndjson) and a new one started, then the snapshot of that moment (stored objects are
// frozen, so holding references is a consistent view) is written in small chunks between requests, and only
// once it is on disk is the old log removed. On open, the snapshot is loaded and the logs replayed into the
// watch history, so resourceVersions go on where they stopped and a watch resumed from a recent one works;
// one older than the history gets 410 Expired as usual.
import { appendFileSync, closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Store, type Change, type ChangeType } from './store.js';
import type { KubeObject } from './types.js';

export interface PersistentStore {
  store: Store;
  /** Writes what is pending and closes the log (a fold under way is left for the next open to redo). */
  close(): void;
  /** Folds the logs into a new snapshot; resolves once it is on disk (also started when the log passes maxLogBytes). */
  compact(): Promise<void>;
}

export interface PersistenceOptions {
  historySize?: number;
  /** Log size that starts a fold into the snapshot (default 64 MiB). */
  maxLogBytes?: number;
}

const SNAPSHOT = 'snapshot.ndjson';
const LOG = 'changes.ndjson';
const OLD_LOG = 'changes.old.ndjson';
const CHUNK = 100;

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

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export function openPersistentStore(dir: string, opts: PersistenceOptions = {}): PersistentStore {
  mkdirSync(dir, { recursive: true });
  const store = new Store(opts.historySize ?? 10_000);
  const maxLogBytes = opts.maxLogBytes ?? 64 * 1024 * 1024;
  const path = (f: string) => join(dir, f);

  let snapshotRv = 0;
  const objects: Array<[string, KubeObject]> = [];
  for (const entry of lines(path(SNAPSHOT))) {
    if (typeof entry.rv === 'number' && !entry.k) snapshotRv = entry.rv;
    else objects.push([entry.k as string, entry.o as KubeObject]);
  }
  store.restore(objects, snapshotRv);
  // A fold that a crash interrupted left its log behind: it comes before the current one.
  for (const log of [OLD_LOG, LOG]) {
    for (const entry of lines(path(log))) {
      if (entry.rv > store.currentRv()) store.replay(entry.t as ChangeType, entry.k as string, entry.o as KubeObject, entry.rv as number);
    }
  }
  if (existsSync(path(OLD_LOG))) {
    // Carry it into the current log so a new fold can set the current one aside.
    const carried = readFileSync(path(OLD_LOG));
    const current = existsSync(path(LOG)) ? readFileSync(path(LOG)) : Buffer.alloc(0);
    const out = openSync(path(`${LOG}.tmp`), 'w');
    writeSync(out, carried);
    writeSync(out, current);
    fsyncSync(out);
    closeSync(out);
    renameSync(path(`${LOG}.tmp`), path(LOG));
    rmSync(path(OLD_LOG), { force: true });
  }

  let fd = openSync(path(LOG), 'a');
  let logBytes = fstatSync(fd).size;
  let pending: Change[] = [];
  let scheduled = false;
  let closed = false;
  let folding: Promise<void> | undefined;

  function flush(): void {
    scheduled = false;
    if (!pending.length || closed) return;
    // Stored objects are frozen, so serialising them here, off the commit path, sees what was committed.
    const text = pending.map((c) => JSON.stringify({ rv: c.rv, t: c.type, k: c.resourceKey, o: c.object })).join('\n') + '\n';
    pending = [];
    const buf = Buffer.from(text, 'utf8');
    writeSync(fd, buf);
    logBytes += buf.length;
    if (logBytes > maxLogBytes) compact().catch((err: Error) => process.emitWarning(`kube-sim: folding the store log failed, will try again: ${err.message}`));
  }

  async function fold(): Promise<void> {
    flush();
    // Set the log aside and start a new one: what the snapshot of now holds is all in the old one.
    fsyncSync(fd);
    closeSync(fd);
    // A fold that failed earlier left its old log: this one takes the current log on top of it.
    if (existsSync(path(OLD_LOG))) {
      appendFileSync(path(OLD_LOG), readFileSync(path(LOG)));
      rmSync(path(LOG));
    } else renameSync(path(LOG), path(OLD_LOG));
    fd = openSync(path(LOG), 'a');
    logBytes = 0;
    const rv = store.currentRv();
    const entries = [...store.entries()];
    const out = openSync(path(`${SNAPSHOT}.tmp`), 'w');
    try {
      writeSync(out, `${JSON.stringify({ rv })}\n`);
      for (let i = 0; i < entries.length; i += CHUNK) {
        writeSync(out, `${entries.slice(i, i + CHUNK).map(([k, o]) => JSON.stringify({ k, o })).join('\n')}\n`);
        await tick();
        if (closed) return; // the next open replays the old log over the old snapshot
      }
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(path(`${SNAPSHOT}.tmp`), path(SNAPSHOT));
    rmSync(path(OLD_LOG), { force: true });
  }

  function compact(): Promise<void> {
    if (closed) return Promise.resolve();
    folding ??= fold().finally(() => { folding = undefined; });
    return folding;
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
