import t from 'tap';
import { nextPollDelayMs } from '../../functions/worker/processors/status.js';
import { DEFAULT_STATUS_POLL } from '../../functions/worker/run-workers.js';

t.test('when a pod is young, then polls back off from 150 ms to at most 1 s; later, to at most 5 s', async (t) => {
  const rows: Array<[polls: number, elapsedMs: number, expected: number]> = [
    [0, 0, 150],
    [1, 150, 300],
    [2, 450, 600],
    [3, 1050, 1000],
    [10, 20_000, 1000],
    [10, 30_000, 5000],
    [3, 40_000, 1200],
  ];
  for (const [polls, elapsed, expected] of rows) {
    t.equal(nextPollDelayMs(polls, elapsed, DEFAULT_STATUS_POLL), expected, `poll ${polls} at ${elapsed} ms`);
  }
});
