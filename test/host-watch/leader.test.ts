// The leader loop steps down on stop() whenever stop() comes: also while the lease is still being
// acquired, which once left the watch running until the server ended it (a SIGTERM right after start hung).
import t from 'tap';
import pino from 'pino';
import { startLeaderLoop } from '../../functions/host-watch/leader.js';
import type { HeldLease, LeaseStore } from '../../functions/_shared/queue/host-watch-lease.js';

/** An in-memory lease that is granted only when the test says so. */
function gatedLease() {
  let grant!: () => void;
  const granted = new Promise<void>((resolve) => { grant = resolve; });
  const released: HeldLease[] = [];
  const store: LeaseStore = {
    async tryAcquire() {
      await granted;
      return { token: 1, value: 'me' };
    },
    async renew() { return true; },
    async release(lease) { released.push(lease); },
    async holder() { return 'me'; },
  };
  return { store, grant, released };
}

/** Resolves to 'hung' if `p` has not settled after a generous while: a hang, not a slowness. */
const settlesOrHangs = (p: Promise<unknown>) => Promise.race([p.then(() => 'settled'), new Promise((r) => setTimeout(() => r('hung'), 20_000).unref())]);

t.test('when stop() comes while the lease is being acquired, then the leader work is told to stop and stop() returns', async (t) => {
  const lease = gatedLease();
  let sawAbort = false;
  const loop = startLeaderLoop({
    lease: lease.store, leaseMs: 60_000, retryMs: 100, log: pino({ level: 'silent' }),
    lead: (_held, signal) => new Promise<void>((resolve) => {
      // Like the watches: returns only once its signal aborts.
      const done = () => { sawAbort = true; resolve(); };
      if (signal.aborted) done();
      else signal.addEventListener('abort', done, { once: true });
    }),
  });
  const stopped = loop.stop();
  lease.grant();
  t.equal(await settlesOrHangs(stopped), 'settled', 'stop() returned');
  t.ok(sawAbort, 'the leader work saw its signal abort');
  t.same(lease.released, [{ token: 1, value: 'me' }], 'the lease was released for a successor');
  t.notOk(loop.isLeader(), 'not leading any more');
});

t.test('when stop() comes while leading, then the work stops and the lease is released', async (t) => {
  const lease = gatedLease();
  lease.grant();
  let leading!: () => void;
  const started = new Promise<void>((r) => { leading = r; });
  const loop = startLeaderLoop({
    lease: lease.store, leaseMs: 60_000, retryMs: 100, log: pino({ level: 'silent' }),
    lead: (_held, signal) => new Promise<void>((resolve) => { leading(); signal.addEventListener('abort', () => resolve(), { once: true }); }),
  });
  await started;
  t.ok(loop.isLeader());
  t.equal(await settlesOrHangs(loop.stop()), 'settled');
  t.equal(lease.released.length, 1);
});
