// A job's story for the dashboard (its log lines and progress bar), written once per job in one command: the
// lines a job noted on its way and its last progress, in one script. BullMQ's job.log and updateProgress cost
// one script each per line (and a progress event nobody reads), which made the story the larger part of a
// short job's Redis traffic. Same keys as BullMQ's own (<prefix>:<queue>:<id> and its :logs list), so
// bull-board reads the story as before; like BullMQ's, nothing is written for a job that is gone.
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';

// KEYS: job hash, job logs. ARGV: progress JSON ('' for none), keepLogs ('' for all), line, line, ...
const STORY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if #ARGV > 2 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 3))
  if ARGV[2] ~= '' then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1) end
end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'progress', ARGV[1]) end
return 0
`;

interface StoryCommands {
  podferryJobStory(jobKey: string, logsKey: string, progress: string, keepLogs: string, ...lines: string[]): Promise<number>;
}

export interface JobLogWriter {
  write(job: Job, lines: readonly string[], progress?: number): Promise<void>;
}

export function createJobLogWriter(redis: Redis): JobLogWriter {
  const r = redis as Redis & Partial<StoryCommands>;
  if (!r.podferryJobStory) redis.defineCommand('podferryJobStory', { numberOfKeys: 2, lua: STORY });
  const client = redis as Redis & StoryCommands;
  return {
    async write(job, lines, progress) {
      if (lines.length === 0 && progress === undefined) return;
      const key = `${job.queueQualifiedName}:${job.id}`;
      const keep = job.opts.keepLogs !== undefined ? String(job.opts.keepLogs) : '';
      await client.podferryJobStory(key, `${key}:logs`, progress === undefined ? '' : JSON.stringify(progress), keep, ...lines);
      if (progress !== undefined) job.progress = progress;
    },
  };
}

/** What a processor notes as it goes: timestamped lines and the progress bar, written by `flush` at the end. */
export interface JobNotes {
  note(msg: string, progress?: number): Promise<void>;
  flush(): Promise<void>;
}

export function jobNotes(job: Job, now: () => Date, writer?: JobLogWriter): JobNotes {
  let lines: string[] = [];
  let progress: number | undefined;
  return {
    async note(msg, p) {
      lines.push(`${now().toISOString()} ${msg}`);
      if (p !== undefined) progress = p;
    },
    async flush() {
      const [out, bar] = [lines, progress];
      lines = [];
      progress = undefined;
      if (writer) await writer.write(job, out, bar);
      else await Promise.all([...out.map((l) => job.log(l)), bar !== undefined && job.updateProgress(bar)]);
    },
  };
}
