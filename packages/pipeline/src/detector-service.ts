import type { Bus, KafkaOffsetsReader } from '@vigil/bus';
import { loadServicesFile } from '@vigil/api';
import { kafkaCheck, redisCheck, startAdminServer, type VigilMetrics } from '@vigil/health';
import { createDetector, type Rule } from '@vigil/rules';
import { ConfigError, errorMessage, type Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { readSourceIntervals } from '@vigil/sources';
import type { Logger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { DetectorConfig } from './config';
import { startDetectorStage } from './detector-stage';
import { startDetectorTicker } from './detector-ticker';
import { PartitionStateGuard } from './partition-state-guard';
import { OffsetIndex } from './offset-index';
import { loadRules } from './rules-file';
import { orderedStop, type RunningService } from './running-service';
import { createOffsetsReader } from './service-bus';
import { guardTopicLayout, type LayoutRedis } from './topic-layout-guard';

/** Rules over the events topic, state in Redis, detections to the detections topic. */
export async function startDetector(
  config: DetectorConfig,
  deps: { bus: Bus; logger: Logger; clock: Clock; metrics: VigilMetrics; adminPort?: boolean },
): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'detector' });
  const services = config.SERVICES_FILE ? loadServicesFile(config.SERVICES_FILE) : undefined;
  const load = () =>
    loadRules(
      config.RULES_FILE,
      readSourceIntervals(config.SOURCES_FILE),
      config.RULES_DIR,
      services,
      (message) => logger.warn({ file: config.RULES_FILE }, message),
    );
  let rules = load();
  const topics = topicNames(config.TOPIC_PREFIX);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, enableOfflineQueue: true });
  redis.on('error', () => deps.metrics.dependencyError('redis', 'connection'));
  await redis.ping();
  // One admin client for the layout check at start and, with the admin port on, Kafka readiness after.
  const offsets = createOffsetsReader(config, { service: 'detector', logger });
  await guardLayout(config, { redis, offsets, topic: topics.events, logger }).catch(
    async (error: unknown) => {
      redis.disconnect();
      await offsets?.stop().catch(() => undefined);
      throw error;
    },
  );
  const build = (set: Rule[]) =>
    createDetector({
      redis,
      keyPrefix: config.DETECTOR_KEY_PREFIX,
      rules: set,
      clock: deps.clock,
      logger,
      localWindows: config.DETECTOR_LOCAL_WINDOWS,
    });
  let current = build(rules);
  // The stage and the ticker hold this; SIGHUP swaps what is behind it between two batches.
  const detector = {
    processBatch: (messages: Parameters<typeof current.processBatch>[0]) => current.processBatch(messages),
    tick: () => current.tick(),
    release: (markers: readonly string[]) => current.release(markers),
  };
  const reload = () => {
    try {
      const next = load();
      current = build(next);
      rules = next;
      logger.info({ rules: rules.map((r) => r.id) }, 'rules reloaded on SIGHUP');
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [errorMessage(error)];
      logger.error({ problems }, 'rules not reloaded: they are invalid; the rules in force stay');
    }
  };
  process.on('SIGHUP', reload);
  const index = config.DATABASE_URL
    ? startOffsetIndex(config, config.DATABASE_URL, deps.metrics, logger)
    : undefined;
  const stateGuard = new PartitionStateGuard({
    redis,
    keyPrefix: config.DETECTOR_KEY_PREFIX,
    epochKey: config.STATE_EPOCH_KEY,
    horizonMs: config.DETECTOR_REBUILD_HORIZON_MS,
    ...(index ? { offsetIndex: index.offsets } : {}),
    logger,
  });
  // A dropped connection may come back to a Redis that restarted empty: check before the next batch.
  redis.on('close', () => stateGuard.connectionLost());
  const subscription = await startDetectorStage({
    bus: deps.bus,
    topics,
    detector,
    logger,
    groupId: config.DETECTOR_GROUP,
    partitionsConsumedConcurrently: config.DETECTOR_CONCURRENCY,
    metrics: deps.metrics,
    stateGuard,
    recentEventBytes: config.DETECTOR_RECENT_EVENT_BYTES,
  });
  const ticker = startDetectorTicker({
    bus: deps.bus,
    topics,
    detector,
    logger,
    intervalMs: config.DETECTOR_TICK_MS,
    paused: () => stateGuard.rebuilding(),
  });
  const steps: Array<() => Promise<unknown>> = [() => Promise.resolve(void process.off('SIGHUP', reload))];
  let adminUrl: string | undefined;
  if (deps.adminPort !== false && config.DETECTOR_ADMIN_PORT > 0) {
    const checks = [redisCheck(redis), ...(offsets ? [kafkaCheck(offsets, topics.events)] : [])];
    const admin = await startAdminServer({
      port: config.DETECTOR_ADMIN_PORT,
      host: config.ADMIN_HOST,
      metrics: deps.metrics,
      checks,
      logger,
    });
    steps.push(
      () => admin.stop(),
      async () => offsets?.stop(),
    );
    adminUrl = admin.url;
  } else {
    await offsets?.stop();
  }
  logger.info({ rules: rules.map((r) => r.id), group: config.DETECTOR_GROUP }, 'detector consuming');
  return {
    name: 'detector',
    ...(adminUrl ? { url: adminUrl } : {}),
    stop: orderedStop([
      ...steps,
      () => ticker.stop(),
      () => subscription.stop(),
      () => redis.quit(),
      async () => index?.stop(),
    ]),
  };
}

/** The offset index on its own small pool: it never holds up detection, so a slow database is cut short. */
function startOffsetIndex(
  config: DetectorConfig,
  databaseUrl: string,
  metrics: VigilMetrics,
  logger: Logger,
) {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    connectionTimeoutMillis: 2_000,
    query_timeout: 5_000,
  });
  pool.on('error', () => metrics.dependencyError('postgres', 'connection'));
  const offsets = new OffsetIndex({
    pool,
    group: config.DETECTOR_GROUP,
    intervalMs: config.DETECTOR_OFFSET_INDEX_INTERVAL_MS,
    horizonMs: config.DETECTOR_REBUILD_HORIZON_MS,
    logger,
    onError: () => metrics.dependencyError('postgres', 'detector.offset-index'),
  });
  return {
    offsets,
    stop: async () => {
      await offsets.stop();
      await pool.end();
    },
  };
}

/** The events topic's partition count against the one the detector's state was built for (Kafka only). */
async function guardLayout(
  config: DetectorConfig,
  deps: { redis: LayoutRedis; offsets: KafkaOffsetsReader | undefined; topic: string; logger: Logger },
): Promise<void> {
  if (!deps.offsets) return; // the embedded bus's partition count is fixed by its own configuration
  let partitions: number;
  try {
    partitions = (await deps.offsets.topicOffsets(deps.topic)).length;
  } catch (error) {
    // A topic not made yet has no layout to protect; the next start records it.
    deps.logger.info(
      { topic: deps.topic, err: errorMessage(error) },
      'events topic not readable yet; its partition count is recorded at a later start',
    );
    return;
  }
  if (partitions === 0) return;
  const outcome = await guardTopicLayout({
    redis: deps.redis,
    topic: deps.topic,
    logger: deps.logger,
    keyPrefix: config.DETECTOR_KEY_PREFIX,
    partitions,
    ...(config.DETECTOR_ACCEPT_PARTITIONS === undefined ? {} : { accept: config.DETECTOR_ACCEPT_PARTITIONS }),
  });
  deps.logger.info({ topic: deps.topic, partitions, outcome }, 'events topic layout checked');
}
