// The benchmark's own logic, pure and table-tested: when a steady rate counts as sustained, which rate the
// latencies are measured at, when a phase may start, the direct client's token bucket, and the table's verdict
// on each target.
import t from 'tap';
import { judgeStep } from '../../bench/steady-rate.js';
import { steadyRateFor } from '../../bench/system-run.js';
import { createTokenBucket } from '../../bench/token-bucket.js';
import { formatTable } from '../../bench/report.js';
import { BUSY_STATES, settle } from '../../bench/settle.js';

t.test('when a rate step ends, then it is sustained only if every pod was Ready soon and no backlog was left', async (t) => {
  const fast = Array.from({ length: 50 }, (_, i) => 500 + i * 10); // 500 .. 990 ms
  const cases: Array<[string, number[], number, boolean]> = [
    ['all Ready within kubelet + a second, drained at once', fast, 900, true],
    ['a pod missing', fast.slice(1), 900, false],
    ['p95 over kubelet + 1 s', [...fast.slice(0, 45), 1500, 1600, 1700, 1800, 1900], 900, false],
    ['drained too late (a queue built up)', fast, 2500, false],
  ];
  for (const [what, samples, drainMs, sustained] of cases) {
    const { step, rule } = judgeStep({ rate: 25, pods: 50, seconds: 2, kubeletMs: 400, createToReadyMs: samples, drainMs });
    t.equal(step.sustained, sustained, what);
    t.equal(step.ready, samples.length, `${what}: ready counted`);
    t.match(rule, /sustained when/);
  }
});

t.test('when the steady rate is auto, then it is half the highest sustained rate, at most 100/s', async (t) => {
  t.same(steadyRateFor(40, 400, 10), { rate: 40, source: '--rate' });
  t.equal(steadyRateFor('auto', 400, 10).rate, 100);
  t.equal(steadyRateFor('auto', 50, 10).rate, 25);
  t.equal(steadyRateFor('auto', 0, 10).rate, 5, 'nothing sustained: half the lowest step');
  t.equal(steadyRateFor('auto', undefined, 10).rate, 100, 'no search: the issue\'s 100/s');
});

t.test('when calls reserve tokens, then the bucket lets the burst through and spaces the rest at the rate', async (t) => {
  let now = 0;
  const bucket = createTokenBucket(10, 2, () => now);
  t.same([bucket.reserve(), bucket.reserve()], [0, 0], 'the burst at once');
  t.equal(bucket.reserve(), 100, 'the third waits a tenth of a second');
  t.equal(bucket.reserve(), 200, 'the fourth two tenths: first come, first served');
  now = 1000;
  t.equal(bucket.reserve(), 0, 'refilled after a quiet second');
});

t.test('when the table is made, then each target is marked met or missed from the figures', async (t) => {
  const p = (v: number) => ({ p50: v / 2, p95: v, p99: v });
  const text = formatTable({
    pods: 500, workers: 1, host_latency_ms: 5, host_created_s: 10, virtual_ready_s: 11, baseline_created_s: 5, baseline_ready_s: 5.5, ratio_created: 2, ratio_ready: 2,
    create_to_host_ms: p(80), host_ready_to_virtual_ready_ms: p(300), admission_ms: p(0.2), api_calls_per_pod: { virtual: 8, host: 1.02 }, virtual_calls_per_pod_without_events: 4.4,
    worker_rss_mb: { at_1k: null, at_10k: null }, redis_bytes_per_job: 1300, cpu_ms_per_pod: { workers: 10, stack: 10, baseline: 8, podferry: 20, webhook: 3, host_watch: 3, node_proxy: 0, redis: 3, host_process: 9 },
    jobs_per_pod: { 'create-host': 1 }, redis_commands_per_pod: 280, redis_client: { commands_per_pod: 32, round_trips_per_pod: 19 }, load_average_1m: 5,
    steady: { rate: 50, seconds: 5, rate_source: 'auto' }, max_steady_rate: { sustained_pods_per_s: 100 }, admission_source: 'webhook Summary',
    host_bound: { ratio: 1.08, qps: 50, syncSeconds: 10.8, directSeconds: 10, pods: 500, host_api_calls_per_pod: 1.0, limit_seconds: 10, direct_at_limit: true },
  });
  const row = (label: string) => text.split('\n').find((l) => l.startsWith(label)) ?? '';
  t.match(row('host-bound'), /ratio 1.08 <= 1.10\s+met/);
  t.match(row('API calls per pod, host'), /met$/);
  t.match(row('API calls per pod, virtual'), /MISSED$/);
  t.match(row('CPU per pod: podferry'), /MISSED$/);
  t.match(row('Redis commands per pod'), /met$/);
  t.match(row('steady 50/s: create -> host'), /met$/);
  t.match(row('host Ready -> virtual Ready'), /MISSED$/);
  t.match(row('admission handler'), /met$/);
  t.match(text, /highest sustained steady rate\s+100 pods\/s/);
});

t.test('when a phase waits to settle, then it starts only after the queues were idle several polls in a row', async (t) => {
  const cases: Array<[string, number[], boolean, number]> = [
    ['idle at once', [0, 0, 0], true, 3],
    ['a backlog drains', [40, 12, 0, 0, 0], true, 5],
    ['one idle reading between busy ones is not enough', [0, 3, 0, 0, 0], true, 5],
    ['Redis does not answer (-1) and never settles', [-1], false, -1],
    ['never idle', [5], false, -1],
  ];
  for (const [what, readings, settled, polls] of cases) {
    let asked = 0;
    const seen: unknown[] = [];
    const counter = {
      async unfinished(states?: readonly string[]) {
        seen.push(states);
        return readings[Math.min(asked++, readings.length - 1)];
      },
    };
    const r = await settle(counter, { timeoutMs: 100, pollMs: 1, idlePolls: 3 });
    t.equal(r.settled, settled, what);
    if (polls > 0) t.equal(asked, polls, `${what}: polls`);
    t.same(seen[0], BUSY_STATES, `${what}: delayed jobs are not counted`);
  }
});
