// `npm run chaos [-- --pods N --scenario each|all|<fault> --json --fuzz [--bodies N]]`.
// Prints one line per scenario (or, with --json, one object: the totals under the field names and
// every scenario beside them) and exits 1 when anything was lost, duplicated, orphaned or not Ready.
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz.js';
import { runScenario, type ScenarioResult } from './run-scenario.js';
import { pickScenarios } from './scenarios.js';
import { CONVERGE_TARGET_S, totals } from './totals.js';


const USAGE = `usage: npm run chaos -- [--pods N] [--scenario each|all|worker-kill|redis-restart|host-errors|webhook-restart|audit-drop|host-changes]
                       [--workers N] [--resync SECONDS] [--json] [--fuzz [--bodies N]]`;

function num(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got "${value}"`);
  return n;
}

function failedRun(scenario: string, faults: ScenarioResult['faults'], pods: number, resync: number): ScenarioResult {
  return {
    scenario, faults, pods: 0, lost: pods, duplicates: 0, orphans: 0, not_ready: pods, converge_s: null,
    burst_s: 0, fault_window_s: 0, create_errors: 0, resync_interval_s: resync, fault_report: {}, worker_crashes: 0,
  };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pods: { type: 'string' }, scenario: { type: 'string' }, workers: { type: 'string' }, resync: { type: 'string' },
      json: { type: 'boolean' }, fuzz: { type: 'boolean' }, bodies: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // The stack's webhook and workers log to stdout, which belongs to the results; LOG_LEVEL=warn shows them.
  process.env.LOG_LEVEL ??= 'silent';
  if (values.fuzz) {
    const report = await runFuzz({ bodies: num(values.bodies, 10_000, '--bodies'), log: say });
    process.stdout.write(values.json ? `${JSON.stringify({ fuzz: report })}\n` : `fuzz: ${JSON.stringify(report)}\n`);
    return report.ok ? 0 : 1;
  }
  const pods = num(values.pods, 2000, '--pods');
  const resync = num(values.resync, 10, '--resync');
  const workers = num(values.workers, 3, '--workers');
  const results: ScenarioResult[] = [];
  for (const s of pickScenarios(values.scenario ?? 'each')) {
    say(`scenario ${s.name}: ${pods} pods, faults ${s.faults.join(', ')}`);
    // A scenario that could not run counts as all lost, and the others still run and report.
    const r: ScenarioResult = await runScenario({ name: s.name, faults: s.faults, pods, workers, resyncIntervalSeconds: resync, log: say }).catch((err: Error) => {
      say(`scenario ${s.name} failed to run: ${err.message}`);
      return { ...failedRun(s.name, s.faults, pods, resync), error: err.message };
    });
    results.push(r);
    if (!values.json) {
      process.stdout.write(`${s.name.padEnd(16)} pods=${r.pods} lost=${r.lost} duplicates=${r.duplicates} orphans=${r.orphans} not_ready=${r.not_ready} converge_s=${r.converge_s} burst_s=${r.burst_s} worker_crashes=${r.worker_crashes} ${JSON.stringify(r.fault_report)}\n`);
    }
  }
  const total = totals(results);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...total, scenarios: results })}\n`);
  else process.stdout.write(`total            ${JSON.stringify(total)}\n`);
  const clean = total.lost + total.duplicates + total.orphans + total.not_ready === 0 && total.converge_s !== null;
  if (clean && total.converge_s! > CONVERGE_TARGET_S) say(`converged, but in ${total.converge_s} s: above the ${CONVERGE_TARGET_S} s target`);
  return clean ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  process.stderr.write(`chaos: ${(err as Error).message}\n`);
  process.exit(2);
});
