import type { DueDelivery, PgOutboundStore } from '@vigil/incidents';
import { runEvery, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import type { OwnersConfig } from '../owners';
import type { Destination } from './outbound-destinations';
import { outboundRouter } from './outbound-payloads';
import { DEFAULT_PAGERDUTY_URL, sendDelivery } from './outbound-senders';

export const DEFAULT_OUTBOUND_INTERVAL_MS = 2000;
export const DEFAULT_OUTBOUND_RETRY = { attempts: 8, baseMs: 5_000, maxMs: 10 * 60_000 } as const;
const DUE_PER_ROUND = 100;

export interface OutboundWorkerOptions {
  store: PgOutboundStore;
  owners: OwnersConfig;
  destinations: Map<string, Destination>;
  logger: Logger;
  clock: Clock;
  intervalMs?: number;
  /** Attempts before a delivery is dead, and the exponential back-off between them. */
  retry?: { attempts: number; baseMs: number; maxMs: number };
  /** Base URL of the PagerDuty Events API v2 (default https://events.pagerduty.com). */
  pagerDutyUrl?: string;
  /** Told of each delivery that died, after it is marked dead (the alerter reports it in Slack). */
  onDead?: (delivery: DueDelivery, reason: string) => Promise<void>;
}

/**
 * Findings out to webhooks and PagerDuty, at least once: each round turns new timeline entries into deliveries
 * (the register's outbox), then makes the deliveries that are due, one destination and incident in order. A
 * failed attempt is retried with exponential back-off (a receiver's Retry-After is respected); after the last
 * attempt, or when the destination refuses the message for good, the delivery is dead and reported.
 */
export class OutboundWorker {
  private loop: { stop(): Promise<void> } | undefined;
  private readonly route: ReturnType<typeof outboundRouter>;
  private readonly retry: { attempts: number; baseMs: number; maxMs: number };

  constructor(private readonly options: OutboundWorkerOptions) {
    this.route = outboundRouter(options.owners);
    this.retry = options.retry ?? DEFAULT_OUTBOUND_RETRY;
  }

  start(): void {
    this.loop ??= runEvery(this.options.intervalMs ?? DEFAULT_OUTBOUND_INTERVAL_MS, async () => void (await this.round()));
  }

  /** Stops the rounds and waits for one in progress. Idempotent. */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
  }

  /** One round; never throws (what fails is logged and comes again next round). Returns deliveries attempted. */
  async round(): Promise<number> {
    try {
      while ((await this.options.store.fanOut(this.route, this.now())) > 0);
      const due = await this.options.store.due(this.now(), DUE_PER_ROUND);
      for (const delivery of due) await this.attempt(delivery);
      return due.length;
    } catch (error) {
      this.options.logger.warn({ err: error }, 'outbound round failed; trying again next round');
      return 0;
    }
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const { store, logger } = this.options;
    const destination = this.options.destinations.get(delivery.target);
    const outcome = destination
      ? await sendDelivery(delivery, destination, {
          nowSeconds: Math.floor(this.options.clock.now() / 1000),
          pagerDutyUrl: this.options.pagerDutyUrl ?? DEFAULT_PAGERDUTY_URL,
        })
      : ({ kind: 'refused', error: `${delivery.target} is no longer in the owners file` } as const);
    const context = { delivery: delivery.id, target: delivery.target, incidentId: delivery.incidentId, attempt: delivery.attempts + 1 };
    if (outcome.kind === 'sent') {
      await store.markSent(delivery.id, this.now());
      logger.debug(context, 'finding delivered');
      return;
    }
    const last = outcome.kind === 'refused' || delivery.attempts + 1 >= this.retry.attempts;
    if (!last) {
      const backoff = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** delivery.attempts);
      const waitMs = outcome.kind === 'retry' && outcome.retryAfterMs !== undefined ? Math.max(backoff, outcome.retryAfterMs) : backoff;
      await store.markFailed(delivery.id, outcome.error, new Date(this.options.clock.now() + waitMs));
      logger.warn({ ...context, error: outcome.error, retryInMs: waitMs }, 'finding not delivered; will retry');
      return;
    }
    await store.markFailed(delivery.id, outcome.error, null);
    logger.error({ ...context, error: outcome.error }, 'finding delivery is dead');
    await this.options.onDead?.(delivery, outcome.error).catch((error: unknown) => {
      logger.error({ ...context, err: error }, 'could not report the dead delivery');
    });
  }

  private now(): Date {
    return new Date(this.options.clock.now());
  }
}
