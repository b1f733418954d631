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

/** `each` (every single fault, then all), `all`, or one fault's name. */
export function pickScenarios(which: string): Scenario[] {
  if (which === 'each') return [...SCENARIOS];
  const found = SCENARIOS.find((s) => s.name === which);
  if (!found) throw new Error(`unknown scenario "${which}" (each, ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return [found];
}
