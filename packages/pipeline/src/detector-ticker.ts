import { encode, type Bus } from '@vigil/bus';
import type { Detection, TopicNames } from '@vigil/schema';
import { injectTrace, withSpan, type Logger } from '@vigil/telemetry';

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
}

/**
 * Every `intervalMs`, fires the due deadlines (source silent, backup missed, restore test overdue...),
 * publishes their detections and only then commits them. A tick that fails is logged and the firings
 * come again on a later tick with the same ids, so nothing is lost and the alerter drops repeats.
 */
export function startDetectorTicker(options: DetectorTickerOptions): { stop(): Promise<void> } {
  const { bus, topics, detector, logger } = options;
  let running: Promise<void> | undefined;
  let stopped = false;

  const tickOnce = async () => {
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

  const timer = setInterval(() => {
    if (stopped || running) return; // never two ticks at once in one process
    running = tickOnce()
      .catch((error: unknown) => logger.warn({ err: error }, 'deadline tick failed; it is retried on the next tick'))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
