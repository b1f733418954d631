// Be the one instance that watches, or wait to become it. Every candidate tries to take the lease every
// `retryMs`; the holder renews it every third of its lifetime and steps down (aborts its work) as soon as a
// renewal says the lease is another's, or when it could not renew for most of the lease's lifetime (it may
// have expired under it). A crashed holder's lease simply expires: failover within leaseMs + retryMs.
import type { Logger } from 'pino';
import type { HeldLease, LeaseStore } from '../_shared/queue/host-watch-lease.js';
import { LeaseLostError } from '../_shared/queue/host-pod-state.js';
import { pause } from './pause.js';

export interface LeaderOptions {
  lease: LeaseStore;
  leaseMs: number;
  retryMs: number;
  log: Logger;
  /** The work of the leader; must return (or throw) soon after `signal` aborts. */
  lead(lease: HeldLease, signal: AbortSignal): Promise<void>;
  onChange?(leading: boolean): void;
}

export interface LeaderLoop {
  isLeader(): boolean;
  /** Steps down (releasing the lease, so a successor need not wait for it to expire) and stops trying. */
  stop(): Promise<void>;
}

export function startLeaderLoop(opts: LeaderOptions): LeaderLoop {
  const stopping = new AbortController();
  let leading = false;

  const leadOnce = async (held: HeldLease) => {
    const stepDown = new AbortController();
    const onStop = () => stepDown.abort();
    stopping.signal.addEventListener('abort', onStop, { once: true });
    // stop() may have come while the lease was being acquired: an abort listener added late never fires.
    if (stopping.signal.aborted) stepDown.abort();
    let renewedAt = Date.now();
    const renewer = setInterval(() => {
      opts.lease.renew(held).then((ok) => {
        if (ok) renewedAt = Date.now();
        else stepDown.abort();
      }, (err) => {
        opts.log.warn({ err: (err as Error).message }, 'host watch lease renewal failed');
        if (Date.now() - renewedAt > opts.leaseMs * 0.8) stepDown.abort();
      });
    }, Math.max(50, Math.floor(opts.leaseMs / 3)));
    leading = true;
    opts.onChange?.(true);
    opts.log.info({ token: held.token }, 'host watch: leading');
    try {
      await opts.lead(held, stepDown.signal);
    } catch (err) {
      if (!(err instanceof LeaseLostError)) opts.log.warn({ err: (err as Error).message }, 'host watch stopped with an error');
    } finally {
      clearInterval(renewer);
      stopping.signal.removeEventListener('abort', onStop);
      leading = false;
      opts.onChange?.(false);
      opts.log.info({ token: held.token }, 'host watch: stepped down');
      await opts.lease.release(held).catch(() => undefined);
    }
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let held: HeldLease | undefined;
      try {
        held = await opts.lease.tryAcquire();
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'host watch lease: could not ask');
      }
      if (held) await leadOnce(held);
      else await pause(opts.retryMs, stopping.signal);
    }
  })();

  return {
    isLeader: () => leading,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
