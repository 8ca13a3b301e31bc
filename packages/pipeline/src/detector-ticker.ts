import { encode, type Bus } from '@vigil/bus';
import type { Detection, TopicNames } from '@vigil/schema';
import { injectTrace, withSpan, type Logger } from '@vigil/telemetry';
import { runEvery } from '@vigil/runtime';

/** What the ticker needs from the rules engine: absence timers that fire without events. */
export interface DeadlineTicker {
  tick(): Promise<{ detections: Detection[]; commit(): Promise<void> }>;
}

export interface DetectorTickerOptions {
  bus: Bus;
  topics: TopicNames;
  detector: DeadlineTicker;
  logger: Logger;
  intervalMs: number;
  /** While this says so (a partition is replaying to rebuild lost state), ticks wait. */
  paused?: () => Promise<boolean>;
}

/**
 * Every `intervalMs`, fires the due deadlines (source silent, backup missed, restore test overdue...),
 * publishes their detections and only then commits them. A tick that fails is logged and the firings
 * come again on a later tick with the same ids, so nothing is lost and the alerter drops repeats.
 */
export function startDetectorTicker(options: DetectorTickerOptions): { stop(): Promise<void> } {
  const { bus, topics, detector, logger } = options;
  const tickOnce = async () => {
    if (await options.paused?.()) return;
    await withSpan('detector.tick', {}, async (span) => {
      const fired = await detector.tick();
      span.setAttribute('vigil.detections', fired.detections.length);
      if (fired.detections.length > 0) {
        const headers = injectTrace();
        await bus.publish(
          topics.detections,
          fired.detections.map((d) => encode('detections', d.dedupKey, d, headers)),
        );
        logger.info({ detections: fired.detections.map((d) => d.id) }, 'deadline detections published');
      }
      await fired.commit();
    });
  };

  // Never two ticks at once in one process.
  return runEvery(options.intervalMs, () =>
    tickOnce().catch((error: unknown) => logger.warn({ err: error }, 'deadline tick failed; it is retried on the next tick')),
  );
}
