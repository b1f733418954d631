// A job's story for the dashboard (its log lines and progress bar), written once per job in one command: the
// lines a job noted on its way and its last progress, in one script. BullMQ's job.log and updateProgress cost
// one script each per line (and a progress event nobody reads), which made the story the larger part of a
// short job's Redis traffic. Same keys as BullMQ's own (<prefix>:<queue>:<id> and its :logs list), so
// bull-board reads the story as before; like BullMQ's, nothing is written for a job that is gone.
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { LUA_SET_UNLESS_NEWER } from './host-watch-keys.js';

// KEYS: job hash, job logs, the versioned value's key (the logs key again when none). ARGV: progress JSON
// ('' for none), keepLogs ('' for all), the value's version ('' for none), the value, its ttl ms, line, ...
// The value is written even for a job that is gone: it is not the job's.
const STORY = `${LUA_SET_UNLESS_NEWER}
if ARGV[3] ~= '' then set_unless_newer(KEYS[3], ARGV[3], ARGV[4], ARGV[5]) end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if #ARGV > 5 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 6))
  if ARGV[2] ~= '' then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1) end
end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'progress', ARGV[1]) end
return 0
`;

interface StoryCommands {
  podferryJobStory(jobKey: string, logsKey: string, alsoKey: string, progress: string, keepLogs: string, version: string, value: string, ttlMs: string, ...lines: string[]): Promise<number>;
}

/**
 * A value a job writes at its end with its story, in the same command, unless a newer version is stored
 * (stored as "<version>\t<value>"): the virtual pod a worker wrote (worker/seen-virtual-pod.ts).
 */
export interface VersionedWrite {
  key: string;
  version: string;
  value: string;
  ttlMs: number;
}

export interface JobLogWriter {
  write(job: Job, lines: readonly string[], progress?: number, also?: VersionedWrite): Promise<void>;
}

export function createJobLogWriter(redis: Redis): JobLogWriter {
  const r = redis as Redis & Partial<StoryCommands>;
  if (!r.podferryJobStory) redis.defineCommand('podferryJobStory', { numberOfKeys: 3, lua: STORY });
  const client = redis as Redis & StoryCommands;
  return {
    async write(job, lines, progress, also) {
      if (lines.length === 0 && progress === undefined && !also) return;
      const key = `${job.queueQualifiedName}:${job.id}`;
      const keep = job.opts.keepLogs !== undefined ? String(job.opts.keepLogs) : '';
      // Without a value, its key slot holds the logs key (a script names every key it may touch) and no version.
      const [alsoKey, version, value, ttl] = also ? [also.key, also.version, also.value, String(Math.max(1, Math.round(also.ttlMs)))] : [`${key}:logs`, '', '', ''];
      await client.podferryJobStory(key, `${key}:logs`, alsoKey, progress === undefined ? '' : JSON.stringify(progress), keep, version, value, ttl, ...lines);
      if (progress !== undefined) job.progress = progress;
    },
  };
}

/** What a processor notes as it goes: timestamped lines and the progress bar, written by `flush` at the end. */
export interface JobNotes {
  note(msg: string, progress?: number): Promise<void>;
  /** Writes the story, and `also` in the same command (only with a writer: callers buffer `also` only then). */
  flush(also?: VersionedWrite): Promise<void>;
}

export function jobNotes(job: Job, now: () => Date, writer?: JobLogWriter): JobNotes {
  let lines: string[] = [];
  let progress: number | undefined;
  return {
    async note(msg, p) {
      lines.push(`${now().toISOString()} ${msg}`);
      if (p !== undefined) progress = p;
    },
    async flush(also) {
      const [out, bar] = [lines, progress];
      lines = [];
      progress = undefined;
      if (writer) await writer.write(job, out, bar, also);
      else await Promise.all([...out.map((l) => job.log(l)), bar !== undefined && job.updateProgress(bar)]);
    },
  };
}
