import { PipelineWatchdog, type OffsetsReader, type VigilMetrics } from '@vigil/health';
import type { NotificationRecord, PgIncidentStore } from '@vigil/incidents';
import type { Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AlerterConfig } from './config';
import type { NotificationEnqueuer } from './alerter-stage';

/**
 * The pipeline watchdog of an alerter: reads Kafka's admin offsets, the notification queue and the
 * state epoch in Redis, and writes `pipeline.*` incidents straight into the register.
 */
export async function startWatchdog(
  config: AlerterConfig,
  deps: {
    store: PgIncidentStore;
    notifier: NotificationEnqueuer;
    redis: Redis;
    offsets: OffsetsReader | undefined;
    metrics: VigilMetrics;
    logger: Logger;
    clock: Clock;
  },
): Promise<{ stop(): Promise<void> }> {
  const topics = topicNames(config.TOPIC_PREFIX);
  const queue = new Queue(config.NOTIFY_QUEUE, { connection: { url: config.REDIS_URL, maxRetriesPerRequest: 1 } });
  queue.on('error', () => deps.metrics.dependencyError('redis', 'watchdog.queue'));
  const watchdog = new PipelineWatchdog<NotificationRecord>({
    writer: { applyDetection: (d, o) => deps.store.applyDetection(d, o), enqueue: (records) => deps.notifier.enqueue(records) },
    metrics: deps.metrics,
    logger: deps.logger,
    clock: deps.clock,
    thresholds: {
      intervalMs: config.WATCHDOG_INTERVAL_MS,
      lagThreshold: config.WATCHDOG_LAG_THRESHOLD,
      lagForMs: config.WATCHDOG_LAG_FOR_MS,
      stallForMs: config.WATCHDOG_STALL_FOR_MS,
      deadLettersPerMinute: config.WATCHDOG_DLQ_PER_MINUTE,
      deadLetterWindowMs: config.WATCHDOG_DLQ_WINDOW_MS,
      notificationBacklog: config.WATCHDOG_NOTIFY_BACKLOG,
      notificationBacklogForMs: config.WATCHDOG_NOTIFY_BACKLOG_FOR_MS,
      resolveAfterMs: config.WATCHDOG_RESOLVE_AFTER_MS,
      maxIncidentsPerHour: config.WATCHDOG_MAX_INCIDENTS_PER_HOUR,
    },
    ...(deps.offsets ? { offsets: deps.offsets } : {}),
    groups: [
      { groupId: config.DETECTOR_GROUP, topic: topics.events },
      { groupId: config.ALERTER_GROUP, topic: topics.detections },
    ],
    deadLetterTopics: [topics.eventsDlq, topics.detectionsDlq],
    notifications: {
      name: config.NOTIFY_QUEUE,
      queue: { counts: async () => toCounts(await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed')) },
    },
    stateEpoch: {
      redis: deps.redis,
      key: config.STATE_EPOCH_KEY,
      detectorGroup: { groupId: config.DETECTOR_GROUP, topic: topics.events },
    },
    openIncidents: async () => {
      const page = await deps.store.listIncidents({ status: ['open', 'acknowledged', 'contained'], criteria: ['CC7.2'], limit: 500 });
      return page.incidents.filter((i) => i.ruleId.startsWith('pipeline.'));
    },
  });
  await watchdog.start();
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        await watchdog.stop();
        await queue.close();
      })()),
  };
}

function toCounts(counts: Record<string, number>): { waiting: number; delayed: number; active: number; failed: number } {
  return {
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    delayed: counts.delayed ?? 0,
    active: counts.active ?? 0,
    failed: counts.failed ?? 0,
  };
}
