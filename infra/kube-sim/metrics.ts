// Prometheus counters in the names kube-apiserver uses, so dashboards and tests read the simulator like a
// real cluster. Increments are one Map lookup on a precomposed key; text is rendered only when scraped.

export interface Metrics {
  /** verb as apiserver_request_total spells it: GET, LIST, WATCH, POST, PUT, PATCH, DELETE, DELETECOLLECTION. */
  request(verb: string, resource: string, code: number): void;
  watchOpened(resource: string): void;
  watchClosed(resource: string): void;
  watchEvent(resource: string): void;
  render(): string;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  const openWatches = new Map<string, number>();
  const watchEvents = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, delta: number) => map.set(key, (map.get(key) ?? 0) + delta);

  return {
    request(verb, resource, code) {
      add(requests, `${verb}\u0000${resource}\u0000${code}`, 1);
    },
    watchOpened(resource) {
      add(openWatches, resource, 1);
    },
    watchClosed(resource) {
      add(openWatches, resource, -1);
    },
    watchEvent(resource) {
      add(watchEvents, resource, 1);
    },
    render() {
      const lines: string[] = [
        '# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
        '# TYPE apiserver_request_total counter',
      ];
      for (const [key, count] of requests) {
        const [verb, resource, code] = key.split('\u0000');
        lines.push(`apiserver_request_total{code="${code}",resource="${escapeLabel(resource)}",verb="${verb}"} ${count}`);
      }
      lines.push('# HELP apiserver_longrunning_requests Gauge of all active long-running apiserver requests broken out by verb and resource.');
      lines.push('# TYPE apiserver_longrunning_requests gauge');
      for (const [resource, count] of openWatches) lines.push(`apiserver_longrunning_requests{resource="${escapeLabel(resource)}",verb="WATCH"} ${count}`);
      lines.push('# HELP apiserver_watch_events_total Number of events sent in watch clients.');
      lines.push('# TYPE apiserver_watch_events_total counter');
      for (const [resource, count] of watchEvents) lines.push(`apiserver_watch_events_total{resource="${escapeLabel(resource)}"} ${count}`);
      return `${lines.join('\n')}\n`;
    },
  };
}
