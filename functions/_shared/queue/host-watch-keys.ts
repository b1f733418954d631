// The Redis keys of one cluster's host watch, in one place: the watcher writes them, workers read them.
//   lease      "<fencing token>:<instance>" with a TTL: who watches now (host-watch-lease.ts)
//   fence      the fencing-token counter, bumped on every acquisition
//   pods       hash host pod name -> snapshot JSON (core/host-pod-snapshot.ts)
//   index      hash host pod name -> "<resourceVersion>\t<virtual namespace>\t<virtual name>"
//   rv         the pod watch's last resourceVersion, where a new watch resumes
//   heartbeat  set on every event and bookmark with a TTL: present means the watch is healthy
//   applied    hash host pod name -> the host resourceVersion last reported to the virtual pod
//   events-rv  the event watch's last resourceVersion; events-seen: when it last saw an event (ms)
//   event:<n>  "<resourceVersion>\t<event JSON>" of a recent host event, with a TTL (the event job's copy)
//   event-pending:<pod>  hash host event name -> resourceVersion: the pod's events not yet told (TTL as events)
//   seen-virtual:<pod>   the virtual pod as a worker last wrote or read it, with a TTL (core/seen-virtual-pod.ts)

export interface HostWatchKeys {
  lease: string;
  fence: string;
  pods: string;
  index: string;
  rv: string;
  heartbeat: string;
  applied: string;
  eventsRv: string;
  eventsSeen: string;
  /** The key of one stashed host event. */
  event(name: string): string;
  /** The hash of a host pod's events its event job has still to tell. */
  eventsPending(hostPod: string): string;
  /** The virtual pod a host pod stands for, as a worker last wrote or read it. */
  seenVirtual(hostPod: string): string;
}

export function hostWatchKeys(queuePrefix: string, cluster: string): HostWatchKeys {
  const base = `${queuePrefix}:host-watch:${cluster}`;
  return {
    lease: `${base}:lease`,
    fence: `${base}:fence`,
    pods: `${base}:pods`,
    index: `${base}:index`,
    rv: `${base}:rv`,
    heartbeat: `${base}:heartbeat`,
    applied: `${base}:applied`,
    eventsRv: `${base}:events-rv`,
    eventsSeen: `${base}:events-seen`,
    event: (name: string) => `${base}:event:${name}`,
    eventsPending: (hostPod: string) => `${base}:event-pending:${hostPod}`,
    seenVirtual: (hostPod: string) => `${base}:seen-virtual:${hostPod}`,
  };
}

/** The Lua twin of core/resource-version.ts: 1 newer, 0 same, -1 older, nil when they cannot be ordered. */
export const LUA_COMPARE_RV = `
local function comparable(rv)
  return rv == '0' or string.match(rv, '^[1-9]%d*$') ~= nil
end
local function compare_rv(a, b)
  if a == b then return 0 end
  if not comparable(a) or not comparable(b) then return nil end
  if #a ~= #b then if #a > #b then return 1 else return -1 end end
  if a > b then return 1 else return -1 end
end
`;

/** The value of a "<resourceVersion>\t<value>" string, as the scripts below store them; undefined when malformed. */
export function versionedValue(stored: string | null | undefined): string | undefined {
  const tab = stored ? stored.indexOf('\t') : -1;
  return stored && tab >= 0 ? stored.slice(tab + 1) : undefined;
}

/** Lua: whether `rv` is older than the one a "<resourceVersion>\t..." string at `key` holds (false when none is). */
const LUA_OLDER_THAN_STORED = `${LUA_COMPARE_RV}
local function older_than_stored(key, rv)
  local cur = redis.call('GET', key)
  if not cur then return false end
  return compare_rv(rv, string.match(cur, '^[^\\t]*')) == -1
end
`;

/**
 * Lua: stores "<rv>\t<value>" at `key` for `ttl_ms` unless what is there is newer; true when stored. Stashed
 * host events and the seen virtual pod (host-pod-state.ts, job-log.ts) and namespace labels are written this way.
 */
export const LUA_SET_UNLESS_NEWER = `${LUA_OLDER_THAN_STORED}
local function set_unless_newer(key, rv, value, ttl_ms)
  if older_than_stored(key, rv) then return false end
  redis.call('SET', key, rv .. '\\t' .. value, 'PX', ttl_ms)
  return true
end
`;
