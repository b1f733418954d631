// Queue and job names are a contract between the webhook (producer) and the workers (consumers);
// keeping them in one place stops a rename on one side from silently orphaning jobs on the other.

export const QUEUE_NAMES = {
  sync: 'sync',
  status: 'status',
  resync: 'resync',
  /** Host events about managed pods, copied to the virtual pods (host-watch/event-watch.ts). */
  event: 'event',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Why a sync job was asked for; kept on the job for the dashboard, never used to skip reading state. */
export type SyncReason = 'admission' | 'audit' | 'resync' | 'worker' | 'host-watch';
