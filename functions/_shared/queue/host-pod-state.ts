// What the host watch knows, shared through Redis (keys in host-watch-keys.ts). The watcher writes with its
// lease value as proof (a fenced write: refused once the lease is another's) and never replaces a snapshot
// with an older or the same one; workers read a pod's snapshot together with the heartbeat, and use it only
// while the watch is healthy. `markApplied` keeps the virtual status from ever going back to an older host
// state, whichever job reports it (worker/report-to-virtual.ts).
import type { Redis } from 'ioredis';
import { LUA_COMPARE_RV, LUA_SET_UNLESS_NEWER, versionedValue, type HostWatchKeys } from './host-watch-keys.js';

// A batch of the watch's writes in one command, in order: each pod's newest snapshot (never replaced by an older
// or the same one) or its removal. The lease is checked once for the whole batch, which Redis runs atomically.
// KEYS: lease, pods, index, rv, heartbeat, applied, then the seen-virtual key of each removal, in order.
// ARGV: lease value, stale ms, watch rv ('' keeps it), then per write 'a', pod, pod rv, snapshot, index value;
// or 'r', pod. Returns -1 when the lease is another's, else per write 1 (changed) or 0.
const WRITE_MANY = `${LUA_COMPARE_RV}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if ARGV[3] ~= '' then redis.call('SET', KEYS[4], ARGV[3]) end
redis.call('SET', KEYS[5], ARGV[3], 'PX', ARGV[2])
local out, i, k = {}, 4, 7
while i <= #ARGV do
  local pod = ARGV[i + 1]
  if ARGV[i] == 'a' then
    local changed = 1
    local cur = redis.call('HGET', KEYS[3], pod)
    if cur then
      local order = compare_rv(ARGV[i + 2], string.match(cur, '^[^\\t]*'))
      if order == 0 or order == -1 then changed = 0 end
    end
    if changed == 1 then
      redis.call('HSET', KEYS[2], pod, ARGV[i + 3])
      redis.call('HSET', KEYS[3], pod, ARGV[i + 4])
    end
    out[#out + 1] = changed
    i = i + 5
  else
    redis.call('HDEL', KEYS[2], pod)
    redis.call('HDEL', KEYS[6], pod)
    redis.call('DEL', KEYS[k])
    k = k + 1
    out[#out + 1] = redis.call('HDEL', KEYS[3], pod)
    i = i + 2
  end
end
return out
`;

/** Writes per script call: a batch larger than this is sent as several calls in one pipeline. */
const WRITES_PER_CALL = 100;

// KEYS: lease, rv key, heartbeat. ARGV: lease value, rv ('' keeps it), stale ms.
const PROGRESS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2]) end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
return 1
`;

// KEYS: lease, events-rv, events-seen. ARGV: lease value, rv ('' keeps it), seen ms ('' keeps it).
const EVENTS_PROGRESS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2]) end
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3]) end
return 1
`;

// Host events kept for their jobs, in one command: each never replaces a newer copy, and is marked pending for
// its pod's event job in the same step. KEYS: lease, then per event its stash key and its pod's pending hash.
// ARGV: lease value, ttl ms, then per event rv, event JSON, event name. Returns -1 when the lease is another's.
const STASH_EVENTS = `${LUA_SET_UNLESS_NEWER}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local stored = 0
for e = 0, (#KEYS - 1) / 2 - 1 do
  local pending, rv, name = KEYS[3 + 2 * e], ARGV[3 + 3 * e], ARGV[5 + 3 * e]
  if set_unless_newer(KEYS[2 + 2 * e], rv, ARGV[4 + 3 * e], ARGV[2]) then
    redis.call('HSET', pending, name, rv)
    redis.call('PEXPIRE', pending, ARGV[2])
    stored = stored + 1
  end
end
return stored
`;

// KEYS: the pod's pending hash. ARGV: name, rv, name, rv, ... as told. A name whose pending rv moved on
// since (a newer version of the event arrived while it was told) stays pending for the next job.
const EVENTS_TOLD = `
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return n
`;

// KEYS: applied. ARGV: pod, host rv. 0 when a newer host state was applied already.
const MARK_APPLIED = `${LUA_COMPARE_RV}
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local order = compare_rv(ARGV[2], cur)
  if order == -1 then return 0 end
  if order == 0 then return 1 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

// KEYS: pods, heartbeat, seen-virtual. ARGV: pod. One round trip and one command: {snapshot or false,
// heartbeat exists, the seen virtual pod or false}.
const READ = `
return { redis.call('HGET', KEYS[1], ARGV[1]), redis.call('EXISTS', KEYS[2]), redis.call('GET', KEYS[3]) }
`;

// KEYS: the pod's pending hash, pods. ARGV: the stash keys' prefix, the host pod, then event names to read
// besides the pending ones. One command for all an event job reads: {pending name/rv flat, the names read,
// their stashed values (false where gone), the pod's snapshot or false}. (Stash keys are built from the prefix:
// podferry's Redis is one node.)
const EVENT_WORK = `
local pending = redis.call('HGETALL', KEYS[1])
local names, seen = {}, {}
for i = 1, #pending, 2 do
  if not seen[pending[i]] then seen[pending[i]] = true; names[#names + 1] = pending[i] end
end
for i = 3, #ARGV do
  if not seen[ARGV[i]] then seen[ARGV[i]] = true; names[#names + 1] = ARGV[i] end
end
local stashed = {}
for i, name in ipairs(names) do stashed[i] = redis.call('GET', ARGV[1] .. name) end
return { pending, names, stashed, redis.call('HGET', KEYS[2], ARGV[2]) }
`;

// KEYS: seen-virtual. ARGV: resourceVersion, encoded pod, ttl ms. Never replaces a newer one: two workers
// remembering what they wrote, in either order, leave the newest.
const REMEMBER_VIRTUAL = `${LUA_SET_UNLESS_NEWER}
if set_unless_newer(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 1 end
return 0
`;

interface StateCommands {
  podferryRememberVirtual(...args: string[]): Promise<number>;
  podferryEventWork(...args: string[]): Promise<[string[], string[], Array<string | null>, string | null]>;
  podferryReadHostPod(...args: string[]): Promise<[string | null, number, string | null]>;
  podferryWatchWriteMany(...args: string[]): Promise<number | number[]>;
  podferryWatchProgress(...args: string[]): Promise<number>;
  podferryMarkApplied(...args: string[]): Promise<number>;
  podferryEventsProgress(...args: string[]): Promise<number>;
  podferryStashEvents(...args: string[]): Promise<number>;
  podferryEventsTold(...args: string[]): Promise<number>;
}

function withCommands(redis: Redis): Redis & StateCommands {
  const r = redis as Redis & Partial<StateCommands>;
  if (!r.podferryReadHostPod) redis.defineCommand('podferryReadHostPod', { numberOfKeys: 3, lua: READ });
  // Key counts vary per call (one seen-virtual key per removal, two keys per event): given as the first argument.
  if (!r.podferryWatchWriteMany) redis.defineCommand('podferryWatchWriteMany', { lua: WRITE_MANY });
  if (!r.podferryWatchProgress) redis.defineCommand('podferryWatchProgress', { numberOfKeys: 3, lua: PROGRESS });
  if (!r.podferryMarkApplied) redis.defineCommand('podferryMarkApplied', { numberOfKeys: 1, lua: MARK_APPLIED });
  if (!r.podferryEventsProgress) redis.defineCommand('podferryEventsProgress', { numberOfKeys: 3, lua: EVENTS_PROGRESS });
  if (!r.podferryStashEvents) redis.defineCommand('podferryStashEvents', { lua: STASH_EVENTS });
  if (!r.podferryEventsTold) redis.defineCommand('podferryEventsTold', { numberOfKeys: 1, lua: EVENTS_TOLD });
  if (!r.podferryRememberVirtual) redis.defineCommand('podferryRememberVirtual', { numberOfKeys: 1, lua: REMEMBER_VIRTUAL });
  if (!r.podferryEventWork) redis.defineCommand('podferryEventWork', { numberOfKeys: 2, lua: EVENT_WORK });
  return redis as Redis & StateCommands;
}

/** The lease was another's: the caller must stop watching. */
export class LeaseLostError extends Error {
  constructor() {
    super('the host watch lease is held by another instance');
    this.name = 'LeaseLostError';
  }
}

export interface IndexEntry {
  resourceVersion: string;
  virtual: { namespace: string; name: string };
}

export function parseIndexEntry(value: string): IndexEntry | undefined {
  const [resourceVersion, namespace, name] = value.split('\t');
  return resourceVersion !== undefined && namespace && name ? { resourceVersion, virtual: { namespace, name } } : undefined;
}

/** One write of a batch: a pod's newest snapshot, or its removal. */
export type StateWrite =
  | { pod: string; resourceVersion: string; snapshot: string; virtual: { namespace: string; name: string } }
  | { pod: string; remove: true };

export interface HostPodStateWriter {
  /**
   * Many writes in one round trip, in order (one script call per hundred writes, each call fenced by the
   * lease). Resolves to, per write, whether it changed anything; throws LeaseLostError when the lease is another's.
   */
  writeMany(writes: readonly StateWrite[]): Promise<boolean[]>;
  /** Stores a pod's snapshot; true when it replaced an older one (false: same or older, nothing changed). */
  apply(pod: string, resourceVersion: string, snapshot: string, virtual: { namespace: string; name: string }, watchRv?: string): Promise<boolean>;
  /** Forgets a pod; true when it was known. */
  remove(pod: string, watchRv?: string): Promise<boolean>;
  /** A bookmark, a (re)connect, the end of a relist: the watch is alive, and where it resumes. */
  progress(watchRv?: string): Promise<void>;
  /** Every known pod (a relist compares the host with it). */
  index(): Promise<Map<string, IndexEntry>>;
  /** Where the last watch stopped, or undefined (start with a list). */
  watchRv(): Promise<string | undefined>;
  /** The event watch's place, and when it last saw an event (ms since epoch). */
  eventsProgress(rv?: string, seenMs?: number): Promise<void>;
  eventsPlace(): Promise<{ rv?: string; seenMs?: number }>;
  /**
   * Keeps recent host events for their jobs (one round trip), so a job needs no host GET, and marks each
   * pending for its pod's event job (`hostPod`, the event's involvedObject).
   */
  stashEvents(events: ReadonlyArray<{ name: string; hostPod: string; resourceVersion: string; json: string }>, ttlMs: number): Promise<void>;
}

export function createHostPodStateWriter(redis: Redis, keys: HostWatchKeys, leaseValue: () => string, staleMs: number): HostPodStateWriter {
  const client = withCommands(redis);
  const stale = String(Math.max(1, Math.round(staleMs)));
  const fenced = (result: number) => {
    if (Number(result) === -1) throw new LeaseLostError();
    return Number(result);
  };
  /**
   * One script call per WRITES_PER_CALL items, all in one pipeline: one round trip, a few commands. Resolves
   * to each call's reply; a lost lease (-1) throws.
   */
  const inChunks = async <T>(items: readonly T[], call: (pipeline: StateCommands, chunk: readonly T[]) => void): Promise<unknown[]> => {
    if (items.length === 0) return [];
    const pipeline = redis.pipeline() as unknown as StateCommands & { exec(): Promise<Array<[Error | null, unknown]>> };
    for (let from = 0; from < items.length; from += WRITES_PER_CALL) call(pipeline, items.slice(from, from + WRITES_PER_CALL));
    return (await pipeline.exec()).map(([err, value]) => {
      if (err) throw err;
      if (!Array.isArray(value)) fenced(value as number);
      return value;
    });
  };
  const writeInOrder = async (writes: readonly StateWrite[], watchRv: string): Promise<boolean[]> => {
    const replies = await inChunks(writes, (pipeline, chunk) => {
      const removals = chunk.filter((w) => 'remove' in w).map((w) => keys.seenVirtual(w.pod));
      const args = chunk.flatMap((w) => ('remove' in w ? ['r', w.pod] : ['a', w.pod, w.resourceVersion, w.snapshot, `${w.resourceVersion}\t${w.virtual.namespace}\t${w.virtual.name}`]));
      const keyList = [keys.lease, keys.pods, keys.index, keys.rv, keys.heartbeat, keys.applied, ...removals];
      pipeline.podferryWatchWriteMany(String(keyList.length), ...keyList, leaseValue(), stale, watchRv, ...args);
    });
    return replies.flatMap((changes) => (changes as number[]).map((changed) => Number(changed) === 1));
  };
  return {
    writeMany: (writes) => writeInOrder(writes, ''),
    async apply(pod, resourceVersion, snapshot, virtual, watchRv = '') {
      return (await writeInOrder([{ pod, resourceVersion, snapshot, virtual }], watchRv))[0];
    },
    async remove(pod, watchRv = '') {
      return (await writeInOrder([{ pod, remove: true }], watchRv))[0];
    },
    async progress(watchRv = '') {
      fenced(await client.podferryWatchProgress(keys.lease, keys.rv, keys.heartbeat, leaseValue(), watchRv, stale));
    },
    async index() {
      const out = new Map<string, IndexEntry>();
      for (const [pod, value] of Object.entries(await redis.hgetall(keys.index))) {
        const entry = parseIndexEntry(value);
        if (entry) out.set(pod, entry);
      }
      return out;
    },
    async watchRv() {
      return (await redis.get(keys.rv)) ?? undefined;
    },
    async eventsProgress(rv = '', seenMs) {
      fenced(await client.podferryEventsProgress(keys.lease, keys.eventsRv, keys.eventsSeen, leaseValue(), rv, seenMs === undefined ? '' : String(seenMs)));
    },
    async stashEvents(events, ttlMs) {
      const ttl = String(Math.max(1, Math.round(ttlMs)));
      await inChunks(events, (pipeline, chunk) => {
        const keyList = [keys.lease, ...chunk.flatMap((e) => [keys.event(e.name), keys.eventsPending(e.hostPod)])];
        pipeline.podferryStashEvents(String(keyList.length), ...keyList, leaseValue(), ttl, ...chunk.flatMap((e) => [e.resourceVersion, e.json, e.name]));
      });
    },
    async eventsPlace() {
      const [rv, seen] = await redis.mget(keys.eventsRv, keys.eventsSeen);
      return { ...(rv ? { rv } : {}), ...(seen && Number.isFinite(Number(seen)) ? { seenMs: Number(seen) } : {}) };
    },
  };
}

export interface HostPodView {
  /** The watch saw an event or bookmark within the stale time. */
  healthy: boolean;
  /** The snapshot JSON, when the watch knows the pod. */
  snapshot?: string;
  /** The virtual pod as a worker last wrote or read it (core/seen-virtual-pod.ts), while remembered. */
  seenVirtual?: string;
}

export interface HostPodStateReader {
  read(pod: string): Promise<HostPodView>;
  /** The virtual pod a host pod stands for, as the watch last saw it. */
  virtualOf(pod: string): Promise<IndexEntry | undefined>;
  /** Records that the virtual pod now shows host state `resourceVersion`; false when a newer one was shown already. */
  markApplied(pod: string, resourceVersion: string): Promise<boolean>;
  /** Remembers the virtual pod a worker just wrote or read, for `ttlMs` (read back by `read`), unless a newer one is. */
  rememberVirtual(pod: string, resourceVersion: string, encoded: string, ttlMs: number): Promise<void>;
  /** Where it is kept: a job may write it together with its story instead (job-log.ts). */
  seenVirtualKey(pod: string): string;
  /** Forgets it: it proved stale (a precondition failed), or a write moved it without returning it. */
  forgetVirtual(pod: string): Promise<void>;
  /** Marks events told, each only if no newer version arrived meanwhile. */
  eventsTold(hostPod: string, told: ReadonlyMap<string, string>): Promise<void>;
  /**
   * All an event job reads, in one command: the pod's pending events, the names to tell (the pending ones and
   * `also`), each one's stashed JSON (undefined where gone) and the host pod's snapshot (healthy watch or not).
   */
  eventWork(hostPod: string, also: readonly string[]): Promise<EventWork>;
}

export interface EventWork {
  pending: Map<string, string>;
  names: string[];
  stashed: Array<string | undefined>;
  snapshot?: string;
}

export function createHostPodStateReader(redis: Redis, keys: HostWatchKeys): HostPodStateReader {
  const client = withCommands(redis);
  return {
    async read(pod) {
      // One script rather than MULTI/HGET/EXISTS/EXEC: the same atomic read in one command instead of four.
      const [snapshot, alive, seenVirtual] = await client.podferryReadHostPod(keys.pods, keys.heartbeat, keys.seenVirtual(pod), pod);
      const seen = versionedValue(seenVirtual);
      return { healthy: Number(alive) === 1, ...(snapshot ? { snapshot } : {}), ...(seen ? { seenVirtual: seen } : {}) };
    },
    async rememberVirtual(pod, resourceVersion, encoded, ttlMs) {
      await client.podferryRememberVirtual(keys.seenVirtual(pod), resourceVersion, encoded, String(Math.max(1, Math.round(ttlMs))));
    },
    seenVirtualKey: (pod) => keys.seenVirtual(pod),
    async forgetVirtual(pod) {
      await redis.del(keys.seenVirtual(pod));
    },
    async virtualOf(pod) {
      const value = await redis.hget(keys.index, pod);
      return value ? parseIndexEntry(value) : undefined;
    },
    async markApplied(pod, resourceVersion) {
      return Number(await client.podferryMarkApplied(keys.applied, pod, resourceVersion)) === 1;
    },
    async eventWork(hostPod, also) {
      const prefix = keys.event('');
      const [flat, names, stashed, snapshot] = await client.podferryEventWork(keys.eventsPending(hostPod), keys.pods, prefix, hostPod, ...also);
      const pending = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) pending.set(flat[i], flat[i + 1]);
      return { pending, names, stashed: stashed.map((v) => versionedValue(v)), ...(snapshot ? { snapshot } : {}) };
    },
    async eventsTold(hostPod, told) {
      if (told.size === 0) return;
      await client.podferryEventsTold(keys.eventsPending(hostPod), ...[...told].flat());
    },
  };
}
