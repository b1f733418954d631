// The scenarios of `npm run chaos`: each fault on its own, then all of them at once.
import { FAULT_NAMES, type FaultName } from './faults.js';

export interface Scenario {
  name: string;
  faults: readonly FaultName[];
}

export const SCENARIOS: readonly Scenario[] = [
  ...FAULT_NAMES.map((f) => ({ name: f, faults: [f] })),
  { name: 'all', faults: FAULT_NAMES },
];

/** `each` (every single fault, then all), or a comma-separated list of scenario names. */
export function pickScenarios(which: string): Scenario[] {
  if (which === 'each') return [...SCENARIOS];
  return which.split(',').map((name) => {
    const found = SCENARIOS.find((s) => s.name === name.trim());
    if (!found) throw new Error(`unknown scenario "${name}" (each, ${SCENARIOS.map((s) => s.name).join(', ')})`);
    return found;
  });
}
