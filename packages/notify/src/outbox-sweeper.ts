import type { NotificationRecord, NotificationStore } from '@vigil/incidents';
import type { Logger } from '@vigil/telemetry';

export interface OutboxSweeperOptions {
  store: NotificationStore;
  enqueue(records: NotificationRecord[]): Promise<void>;
  /** Re-starts failed jobs of notifications still pending; returns how many. */
  retryFailed(notificationIds: string[]): Promise<number>;
  logger: Logger;
  intervalMs?: number;
  /** Only notifications at least this old: younger ones are normally still on their way. */
  olderThanMs?: number;
  batchSize?: number;
}

/**
 * Notifications are committed with the incident change, then enqueued. A crash or a Redis blip in
 * between leaves them pending with no job; this finds them and enqueues them again. Job ids are the
 * notification ids, so one that does have a job is not duplicated.
 */
export class OutboxSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: OutboxSweeperOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One pass; exposed so tests and an operator command need not wait for the timer. After Redis lost its
   * state, `olderThanMs: 0` re-enqueues every pending notification at once: none of them has a job any more.
   */
  async sweepOnce(olderThanMs = this.options.olderThanMs ?? 30_000): Promise<{ enqueued: number; retried: number }> {
    const { store, logger } = this.options;
    const records = await store.listUndelivered(olderThanMs, this.options.batchSize ?? 500);
    if (records.length === 0) return { enqueued: 0, retried: 0 };
    await this.options.enqueue(records);
    const retried = await this.options.retryFailed(records.map((record) => record.id));
    // Pending notifications in a long backoff are listed every pass; only re-driven ones are news.
    if (retried > 0)
      logger.info({ pending: records.length, retried }, 'outbox sweep re-drove failed notifications');
    else logger.debug({ pending: records.length }, 'outbox sweep enqueued undelivered notifications');
    return { enqueued: records.length, retried };
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.options.logger.error({ err: error }, 'outbox sweep failed; will try again'),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.options.intervalMs ?? 5_000);
  }
}
