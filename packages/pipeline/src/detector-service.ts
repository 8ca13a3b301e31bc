import type { Bus } from '@vigil/bus';
import { createDetector } from '@vigil/rules';
import type { Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import type { DetectorConfig } from './config';
import { startDetectorStage } from './detector-stage';
import { startDetectorTicker } from './detector-ticker';
import { loadRules } from './rules-file';
import { orderedStop, type RunningService } from './running-service';

/** Rules over the events topic, state in Redis, detections to the detections topic. */
export async function startDetector(
  config: DetectorConfig,
  deps: { bus: Bus; logger: Logger; clock: Clock },
): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'detector' });
  const rules = loadRules(config.RULES_FILE);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, enableOfflineQueue: true });
  await redis.ping();
  const detector = createDetector({ redis, keyPrefix: config.DETECTOR_KEY_PREFIX, rules, clock: deps.clock, logger });
  const subscription = await startDetectorStage({
    bus: deps.bus,
    topics: topicNames(config.TOPIC_PREFIX),
    detector,
    logger,
    groupId: config.DETECTOR_GROUP,
    partitionsConsumedConcurrently: config.DETECTOR_CONCURRENCY,
  });
  const ticker = startDetectorTicker({ bus: deps.bus, topics: topicNames(config.TOPIC_PREFIX), detector, logger, intervalMs: config.DETECTOR_TICK_MS });
  logger.info({ rules: rules.map((r) => r.id), group: config.DETECTOR_GROUP }, 'detector consuming');
  return { name: 'detector', stop: orderedStop([() => ticker.stop(), () => subscription.stop(), () => redis.quit()]) };
}
