// A small `npm run chaos` inside npm test: 60 pods while worker processes are SIGKILLed every 2 s and
// Redis is killed and comes back empty. Nothing may be lost, duplicated, orphaned or left not Ready. How
// long convergence takes is a figure of `npm run chaos`, not an assertion: this machine is shared and noisy.
import t from 'tap';
import { runScenario } from '../../chaos/run-scenario.js';

// The stack's webhook and workers log to stdout at LOG_LEVEL; a test's output stays quiet unless it fails.
process.env.LOG_LEVEL ??= 'silent';

t.test('when workers are SIGKILLed and Redis restarts empty during a burst, then every pod ends with one Ready host pod', async (t) => {
  const lines: string[] = [];
  const r = await runScenario({
    name: 'quick', faults: ['worker-kill', 'redis-restart'], pods: 60, workers: 2, workerConcurrency: 20,
    minFaultWindowMs: 6_000, convergeTimeoutMs: 150_000, log: (l) => lines.push(l),
  });
  t.comment(JSON.stringify(r));
  t.equal(r.pods, 60, 'every pod of the burst exists');
  t.equal(r.lost, 0, 'lost');
  t.equal(r.duplicates, 0, 'duplicates');
  t.equal(r.orphans, 0, 'orphans');
  t.equal(r.not_ready, 0, 'not_ready');
  t.ok(r.fault_report.worker_kills as number >= 2, 'workers were killed');
  t.equal(r.fault_report.redis_restarts, 1, 'Redis was restarted');
  t.not(r.converge_s, null, `converged (${lines.join(' | ')})`);
});
