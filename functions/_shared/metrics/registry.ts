// Registries. Process metrics (CPU, memory, event loop, GC) live in one registry per process, collected
// once; each component (the webhook app, a worker runtime) owns its own registry for podferry's metrics,
// because the local stack and the tests run several components in one process and prom-client refuses a
// second metric of the same name in one registry. A scrape is the component's registry plus the process's.
import { Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus text exposition format served on every /metrics. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

let processRegistry: Registry | undefined;

/** The process-wide registry with the standard process_* and nodejs_* metrics (created on first use). */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * A registry for one component's own metrics. It also starts the process metrics now, not at the first
 * scrape: process CPU is counted from the moment collection starts, and the first scrape should see it.
 */
export function createComponentRegistry(): Registry {
  processMetricsRegistry();
  return new Registry();
}

/** The Prometheus text of a component's own metrics followed by the process metrics. */
export async function renderMetrics(component: Registry): Promise<string> {
  const [own, proc] = await Promise.all([component.metrics(), processMetricsRegistry().metrics()]);
  return `${own.trimEnd()}\n${proc}`;
}
