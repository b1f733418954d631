// The admission handler's own time, from outside the webhook's code: Fastify 5 publishes its route handlers
// on the `fastify.request.handler` tracing channel, so subscribing here times exactly the handler (no
// parsing, no hooks, no serialisation) of every POST /admission the in-process webhook serves. The webhook's
// own Summary (podferry_admission_handler_seconds on /metrics) is read too when it exists.
import diagnostics from 'node:diagnostics_channel';

interface HandlerStore {
  request?: { url?: string; routeOptions?: { url?: string } };
  async?: boolean;
}

export interface AdmissionTimer {
  /** Handler durations (ms) since the last reset. */
  samples(): number[];
  reset(): void;
  stop(): void;
}

export function startAdmissionTimer(path = '/admission'): AdmissionTimer {
  const channel = diagnostics.tracingChannel('fastify.request.handler');
  const startedAt = new WeakMap<object, number>();
  let samples: number[] = [];
  const isAdmission = (store: HandlerStore) => (store.request?.routeOptions?.url ?? store.request?.url) === path;
  const finish = (store: HandlerStore) => {
    const t0 = startedAt.get(store);
    if (t0 === undefined) return;
    startedAt.delete(store);
    samples.push(performance.now() - t0);
  };
  const handlers = {
    start(message: unknown) {
      const store = message as HandlerStore;
      if (isAdmission(store)) startedAt.set(store as object, performance.now());
    },
    end(message: unknown) {
      const store = message as HandlerStore;
      if (!store.async) finish(store);
    },
    asyncStart() {},
    asyncEnd(message: unknown) {
      finish(message as HandlerStore);
    },
    error() {},
  };
  channel.subscribe(handlers);
  return {
    samples: () => samples,
    reset: () => { samples = []; },
    stop: () => channel.unsubscribe(handlers),
  };
}
