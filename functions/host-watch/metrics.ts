// The host watch's Prometheus metrics, read from its counters at scrape time: whether this instance leads,
// and what the watch did (watch requests, lists, events, jobs queued).
import { Counter, Gauge } from 'prom-client';
import { createComponentRegistry, renderMetrics } from '../_shared/metrics/registry.js';
import type { PodWatchStats } from './pod-watch.js';

export function hostWatchMetrics(source: { isLeader(): boolean; stats: PodWatchStats }): { scrape(): Promise<string> } {
  const registry = createComponentRegistry();
  new Gauge({ name: 'podferry_host_watch_leader', help: '1 while this instance holds the host watch lease', registers: [registry], collect() { this.set(source.isLeader() ? 1 : 0); } });
  const counter = (name: string, help: string, key: keyof PodWatchStats) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(source.stats[key]); } });
  counter('podferry_host_watch_requests_total', 'pod watch requests opened (each reconnect is one)', 'watches');
  counter('podferry_host_watch_relists_total', 'full lists of the managed host pods (first start, 410 Gone)', 'relists');
  counter('podferry_host_watch_events_total', 'pod events about managed host pods handled', 'events');
  counter('podferry_host_watch_enqueued_total', 'jobs queued for host pod changes', 'enqueued');
  return { scrape: () => renderMetrics(registry) };
}
