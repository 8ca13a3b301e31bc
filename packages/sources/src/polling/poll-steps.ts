import type { Bus } from '@vigil/bus';
import type { Clock } from '@vigil/runtime';
import type { TopicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { ingestDelivery } from '../ingest-delivery';
import type { CountryLookup } from '../ip-country-table';
import { saveCursor, type SqlPool } from '../okta-poller/cursor-store';
import type { SourceDefinition } from '../source-config';
import type { PollControl } from './poll-control';

export interface PublishStats {
  published: number;
  deadLettered: number;
}

export interface PageSink {
  bus: Bus;
  topics: TopicNames;
  clock: Clock;
  logger: Logger;
  /** The vendor's name in log lines, e.g. `Okta`, `Cloudflare`. */
  label: string;
  /** The country of an actor's address, for sources that name none (Cloudflare). */
  countryOf?: CountryLookup;
}

/**
 * Publishes one fetched page through the source's normaliser until the bus acknowledges it; false
 * when stopped first (the page is fetched again after a restart, and its ids make that harmless).
 */
export async function publishPage(
  control: PollControl,
  sink: PageSink,
  source: SourceDefinition,
  body: unknown,
  itemCount: number,
  stats: PublishStats,
): Promise<boolean> {
  while (!control.stopped) {
    try {
      const ctx = {
        bus: sink.bus,
        topics: sink.topics,
        receivedAt: new Date(sink.clock.now()).toISOString(),
        ...(sink.countryOf ? { countryOf: sink.countryOf } : {}),
      };
      const outcome = await ingestDelivery(ctx, source, body);
      if (outcome.kind === 'processed') {
        stats.published += outcome.accepted;
        stats.deadLettered += outcome.rejected.length;
        if (outcome.rejected.length > 0) {
          sink.logger.warn(
            { rejected: outcome.rejected.length, first: outcome.rejected[0] },
            `${sink.label} events did not normalise; kept on the dead-letter topic`,
          );
        }
      } else {
        stats.deadLettered += itemCount;
        sink.logger.error({ outcome }, `${sink.label} page could not be read; kept on the dead-letter topic`);
      }
      return true;
    } catch (error) {
      await control.backOff(`publishing ${sink.label} events failed`, error);
    }
  }
  return false;
}

/** Saves the next cursor; tried even when stopping, since the page before it was acknowledged. */
export async function persistCursor(
  control: PollControl,
  pool: SqlPool,
  sourceName: string,
  next: string,
  label: string,
): Promise<boolean> {
  for (;;) {
    try {
      await saveCursor(pool, sourceName, next);
      return true;
    } catch (error) {
      // Giving up now only means this page comes again after a restart.
      if (control.stopped) return false;
      await control.backOff(`saving the ${label} cursor failed`, error, 'error');
    }
  }
}
