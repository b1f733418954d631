import t from 'tap';
import { renderBarChart } from '../../bench/chart-svg.js';
import { byVerbResource, countPerSecond, diffCounts, parseCommandStats, parseRequestCounts, parseSummaryQuantiles, percentile, percentiles, sumCounterBy, totalCalls, withoutOwnCalls } from '../../bench/stats.js';

t.test('when samples are given, then percentile is the nearest-rank value', async (t) => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  const cases: Array<[number[], number, number]> = [
    [sorted, 0.5, 50],
    [sorted, 0.95, 95],
    [sorted, 0.99, 99],
    [[7], 0.99, 7],
    [[1, 2], 0.5, 1],
    [[1, 2], 0.51, 2],
  ];
  for (const [samples, q, want] of cases) t.equal(percentile(samples, q), want, `q ${q} of ${samples.length}`);
  t.ok(Number.isNaN(percentile([], 0.5)), 'no samples: NaN');
  t.same(percentiles([3, 1, 2, 4], 1), { p50: 2, p95: 4, p99: 4 }, 'unsorted input is sorted first');
});

const scrape = (n: { get: number; post: number; watch: number }) => [
  '# TYPE apiserver_request_total counter',
  `apiserver_request_total{code="200",resource="pods",verb="GET"} ${n.get}`,
  `apiserver_request_total{code="201",resource="pods",verb="POST"} ${n.post}`,
  `apiserver_request_total{code="409",resource="pods",verb="POST"} 2`,
  `apiserver_request_total{code="200",resource="pods",verb="WATCH"} ${n.watch}`,
  'apiserver_longrunning_requests{resource="pods",verb="WATCH"} 1',
].join('\n');

t.test('when two scrapes are diffed and the harness calls taken out, then only the syncer calls are left', async (t) => {
  const before = parseRequestCounts(scrape({ get: 10, post: 5, watch: 1 }));
  const after = parseRequestCounts(scrape({ get: 40, post: 25, watch: 3 }));
  t.equal(before.get('GET pods 200'), 10);
  const diff = diffCounts(before, after);
  t.same([...diff].sort(), [['GET pods 200', 30], ['POST pods 201', 20], ['WATCH pods 200', 2]]);
  const syncer = withoutOwnCalls(diff, new Map([['POST pods', 12], ['WATCH pods', 5]]));
  t.same(Object.fromEntries(syncer), { 'GET pods 200': 30, 'POST pods 201': 8 }, 'own calls removed, never below zero');
  t.equal(totalCalls(syncer), 38);
  t.same(byVerbResource(new Map([['POST pods 201', 3], ['POST pods 409', 1], ['GET pods 200', 2]])), { 'POST pods': 4, 'GET pods': 2 });
});

t.test('when metrics texts hold a Summary, counters and commandstats, then they are read by name and label', async (t) => {
  const text = [
    'podferry_admission_handler_seconds{quantile="0.5"} 0.0001',
    'podferry_admission_handler_seconds{quantile="0.99"} 0.0015',
    'podferry_admission_handler_seconds{quantile="0.999"} NaN',
    'podferry_admission_handler_seconds_sum 3',
  ].join('\n');
  t.same([...parseSummaryQuantiles(text, 'podferry_admission_handler_seconds')], [[0.5, 0.0001], [0.99, 0.0015]]);
  const worker = (n: number) => `podferry_jobs_completed_total{queue="sync",outcome="create-host"} ${n}\npodferry_jobs_completed_total{queue="status",outcome="ready"} 1\n`;
  t.same(Object.fromEntries(sumCounterBy([worker(2), worker(3)], 'podferry_jobs_completed_total', 'queue')), { sync: 5, status: 2 });
  t.same(Object.fromEntries(parseCommandStats('# Commandstats\r\ncmdstat_evalsha:calls=12,usec=5\r\ncmdstat_info:calls=1,usec=1\r\n')), { evalsha: 12, info: 1 });
});

t.test('when a chart is rendered, then every bar is scaled to its group maximum and text is escaped', async (t) => {
  const svg = renderBarChart('a <b>', [{ title: 'T', unit: 's', bars: [{ label: 'x', value: 2, color: '#000' }, { label: 'y', value: 1, color: '#111' }] }]);
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.match(svg, /a &lt;b&gt;/);
  const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
  t.equal(widths.length, 2);
  t.equal(widths[0], widths[1] * 2, 'half the value, half the bar');
});

t.test('when a result is formatted, then each figure stands beside its target with met or MISSED', async (t) => {
  const { formatTable } = await import('../../bench/report.js');
  const p = (p99: number) => ({ p50: 1, p95: 2, p99 });
  const text = formatTable({
    pods: 500, workers: 1, host_latency_ms: 5, host_created_s: 11, virtual_ready_s: 12, baseline_created_s: 10, baseline_ready_s: 10,
    ratio_created: 1.1, ratio_ready: 1.2, create_to_host_ms: p(40), host_ready_to_virtual_ready_ms: p(1200), admission_ms: p(1.5),
    api_calls_per_pod: { virtual: 6, host: 7 }, worker_rss_mb: { at_1k: 100, at_10k: 105 }, redis_bytes_per_job: 1300,
    cpu_ms_per_pod: { workers: 5, stack: 10, baseline: 3 }, jobs_per_pod: { 'create-host': 1 }, redis_commands_per_pod: 250,
    load_average_1m: 0.5, steady: { rate: 200, seconds: 10 }, admission_source: 'test',
    scale_out: [{ workers: 1, pods: 100, host_created_s: 10, pods_per_s: 10 }, { workers: 4, pods: 100, host_created_s: 3, pods_per_s: 31 }],
  });
  const line = (start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';
  // The burst's ratio is a figure without a target now: the target is the host-bound regime's (issue 12).
  t.match(line('burst: host pods created'), /ratio 1\.1$/);
  t.match(line('burst: virtual pods Ready'), /ratio 1\.2$/);
  t.match(line('steady 200/s'), /met$/, 'p99 40 <= 100');
  t.match(line('host Ready'), /MISSED$/);
  t.match(line('admission handler'), /MISSED$/, 'p99 1.5 > 0.5');
  t.match(line('API calls per pod, host'), /MISSED$/, 'host above 1.1');
  t.match(line('worker RSS'), /met$/, '+5% is within 10%');
  t.match(line('scale-out 20 ms, 4'), /3\.10x met$/);
  t.match(text, /jobs per pod by outcome: create-host 1/);
});

t.test('when times are counted per second, then every second up to the last appears, empty ones as 0', async (t) => {
  const cases: Array<[string, number[], number[]]> = [
    ['none', [], []],
    ['all in the first second', [1000, 1500, 1999], [3]],
    ['a gap shows as 0', [1000, 3100], [1, 0, 1]],
    ['before t0 and never seen (NaN) are left out', [500, Number.NaN, 2000], [0, 1]],
  ];
  for (const [what, times, want] of cases) t.same(countPerSecond(times, 1000), want, what);
});
