// The one object `npm run chaos -- --json` leads with: the field names, summed over scenarios.
import type { ScenarioResult } from './run-scenario.js';

/** The target for converging after the last fault. */
export const CONVERGE_TARGET_S = 30;

export function totals(results: readonly Pick<ScenarioResult, 'pods' | 'lost' | 'duplicates' | 'orphans' | 'not_ready' | 'converge_s'>[]) {
  const sum = (k: 'lost' | 'duplicates' | 'orphans' | 'not_ready') => results.reduce((n, r) => n + r[k], 0);
  const converge = results.map((r) => r.converge_s);
  return {
    pods: results.reduce((n, r) => n + r.pods, 0),
    lost: sum('lost'),
    duplicates: sum('duplicates'),
    orphans: sum('orphans'),
    not_ready: sum('not_ready'),
    converge_s: converge.includes(null) ? null : Math.max(0, ...(converge as number[])),
    converge_target_s: CONVERGE_TARGET_S,
  };
}
