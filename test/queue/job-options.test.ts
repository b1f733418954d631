import t from 'tap';
import { BACKOFF_CAP_MS, cappedBackoffMs, DEFAULT_JOB_OPTIONS } from '../../functions/_shared/queue/job-options.js';

t.test('when a job fails again and again, then its retries double from 1 s and stop growing at 10 s', async (t) => {
  const noJitter = () => 0;
  const rows: Array<[attempt: number, ms: number]> = [[1, 1000], [2, 2000], [3, 4000], [4, 8000], [5, 10_000], [9, 10_000]];
  for (const [attempt, ms] of rows) t.equal(cappedBackoffMs(attempt, noJitter), ms, `attempt ${attempt}`);
  t.equal(cappedBackoffMs(5, () => 1), BACKOFF_CAP_MS / 2, 'jitter takes at most half off');
  const total = Array.from({ length: DEFAULT_JOB_OPTIONS.attempts - 1 }, (_, i) => cappedBackoffMs(i + 1, noJitter)).reduce((a, b) => a + b, 0);
  t.ok(total >= 60_000 && total <= 90_000, `all retries span ${total} ms`);
});
