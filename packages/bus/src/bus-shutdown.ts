import type { Logger } from '@vigil/telemetry';
import { BusUnavailableError, type Subscription } from './bus';
import { withDeadline } from './deadline';

/** What a Kafka bus hands over to be stopped, whichever client it runs on. */
export interface BusParts {
  subscriptions: Iterable<Subscription>;
  /** Sends the publishes still queued; resolves once each has its answer. */
  flushPublishes(): Promise<void>;
  closeProducer(): Promise<void>;
  /** How long the queued publishes get (the publish timeout: by then every caller has had its answer). */
  flushDeadlineMs: number;
  logger: Logger;
}

/**
 * Stops a Kafka bus: every subscription (each drains its batch in flight, publishing what it must),
 * then the publishes still queued, at most `flushDeadlineMs` (a send stuck on an unreachable broker
 * must not hold the shutdown; closing the producer ends it), then the producer. Failures are logged
 * and thrown together once everything had its turn.
 */
export async function shutDownBus(parts: BusParts): Promise<void> {
  const failures: unknown[] = [];
  const stops = await Promise.allSettled([...parts.subscriptions].map((subscription) => subscription.stop()));
  for (const result of stops) if (result.status === 'rejected') failures.push(result.reason);
  try {
    await withDeadline(
      parts.flushPublishes(),
      parts.flushDeadlineMs,
      () =>
        new BusUnavailableError(
          `sending the queued publishes did not finish within ${parts.flushDeadlineMs} ms`,
        ),
    );
  } catch (error) {
    parts.logger.warn({ err: error }, 'stopping with produce requests still in flight');
  }
  try {
    await parts.closeProducer();
  } catch (error) {
    failures.push(error);
  }
  for (const failure of failures) parts.logger.error({ err: failure }, 'kafka bus did not stop cleanly');
  if (failures.length > 0) throw new AggregateError(failures, 'kafka bus did not stop cleanly');
}
