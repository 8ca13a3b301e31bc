import { loadServicesFile } from '@vigil/api';
import type { Bus } from '@vigil/bus';
import type { Pool } from 'pg';
import { kafkaCheck, postgresCheck, redisCheck, startAdminServer, type VigilMetrics } from '@vigil/health';
import {
  BreachReconciler,
  CheckpointLog,
  CheckpointScheduler,
  fileWitness,
  loadRegisterSigner,
  EvidenceRetention,
  OcsfFindingsPublisher,
  PgIncidentStore,
  loadVendorsConfig,
  recordChecks,
  vendorDutyOf,
  type VendorsConfig,
  type Witness,
} from '@vigil/incidents';
import {
  createNotifier,
  createResponseTimers,
  loadOwners,
  rearmResponseTimers,
  slackCheckpointWitness,
  type VendorDutyFacts,
} from '@vigil/notify';
import { StateEpoch, type Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { startAlerterStage } from './alerter-stage';
import { startCoverageStage } from './coverage-stage';
import type { AlerterConfig } from './config';
import { startRedisLossRecovery } from './redis-loss-recovery';
import { openRegister } from './register-pool';
import { startOutbound } from './outbound-service';
import { orderedStop, type RunningService } from './running-service';
import { createOffsetsReader } from './service-bus';
import { startWatchdog } from './watchdog-service';

/** Detections to incidents (PostgreSQL) and Slack notifications (BullMQ). */
export async function startAlerter(
  config: AlerterConfig,
  deps: { bus: Bus; logger: Logger; clock: Clock; metrics: VigilMetrics; adminPort?: boolean; env?: NodeJS.ProcessEnv },
): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'alerter' });
  const owners = loadOwners(config.OWNERS_FILE);
  const vendors = loadVendorsConfig(config.VENDORS_FILE);
  const services = config.SERVICES_FILE ? loadServicesFile(config.SERVICES_FILE).services : [];
  const pool = await openRegister(config.DATABASE_URL, logger, 10);
  pool.on('error', () => deps.metrics.dependencyError('postgres', 'connection'));
  const store = new PgIncidentStore({
    pool,
    clock: deps.clock,
    logger,
    metrics: deps.metrics,
    historicalAfterMs: config.HISTORICAL_AFTER_MS,
    services,
  });
  const slack = config.SLACK_BOT_TOKEN ? { token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL } : undefined;
  // Acknowledgement / resolution due times and postmortems: delayed jobs armed as notifications go out.
  const timers = createResponseTimers({
    connection: { url: config.REDIS_URL },
    queueName: config.RESPONSE_TIMERS_QUEUE,
    incidents: store,
    owners,
    slack,
    logger,
    clock: deps.clock,
    postmortemAfterDays: config.POSTMORTEM_AFTER_DAYS,
    ...(vendors.vendors.length > 0 ? { vendorDuty: vendorDutyFacts(pool, vendors) } : {}),
  });
  await timers.start();
  const notifier = createNotifier({
    connection: { url: config.REDIS_URL },
    queueName: config.NOTIFY_QUEUE,
    store,
    owners,
    slack,
    logger,
    clock: deps.clock,
    channelIntervalMs: config.NOTIFY_CHANNEL_INTERVAL_MS,
    jobLockMs: config.NOTIFY_JOB_LOCK_MS,
    sweeper: { olderThanMs: config.NOTIFY_SWEEP_AFTER_MS },
    timers,
  });
  await notifier.start();
  // Timers and queued notifications live in Redis; the register is their source of truth. Rebuilt at start and
  // whenever the alerter's own state epoch says Redis lost its data. Its own key: the detector's epoch
  // (STATE_EPOCH_KEY) is the detector's to write, so a detector started after a loss still finds it missing.
  const epochRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
  epochRedis.on('error', (error: Error) => logger.warn({ err: error }, 'state epoch Redis connection error'));
  const recovery = await startRedisLossRecovery({
    epoch: new StateEpoch(epochRedis, `${config.STATE_EPOCH_KEY}:alerter`),
    intervalMs: config.STATE_CHECK_INTERVAL_MS,
    logger,
    recover: async (reason) => {
      const { incidents } = await rearmResponseTimers(timers, store, logger);
      // At start too: a crash between the register write and the enqueue left notifications without a job.
      // Job ids are notification ids, so one that has its job is not queued twice.
      const { enqueued } = await notifier.sweepNow();
      logger.info({ reason, incidents, notifications: enqueued }, 'Redis state rebuilt from the register');
    },
  });
  if (!config.SLACK_BOT_TOKEN) logger.warn({}, 'SLACK_BOT_TOKEN is not set: notifications go to the log, marked SLACK DISABLED');
  const checkpoints = startCheckpoints(config, { pool, logger, clock: deps.clock });
  // Every incident change and detection as OCSF findings, from the timeline, whoever made the change.
  const findings =
    config.OCSF_FINDINGS_INTERVAL_MS > 0
      ? new OcsfFindingsPublisher({
          pool,
          bus: deps.bus,
          topic: topicNames(config.TOPIC_PREFIX).findingsOcsf,
          logger,
          intervalMs: config.OCSF_FINDINGS_INTERVAL_MS,
        })
      : null;
  findings?.start();
  const retention =
    config.EVIDENCE_PURGE_INTERVAL_MS > 0
      ? new EvidenceRetention({
          pool,
          logger,
          clock: deps.clock,
          retentionDays: config.EVIDENCE_RETENTION_DAYS,
          intervalMs: config.EVIDENCE_PURGE_INTERVAL_MS,
        })
      : null;
  retention?.start();
  // Secrets of webhooks and PagerDuty come from the environment (the owners file names the variables).
  const outbound = startOutbound(config, { pool, owners, env: deps.env ?? {}, logger, clock: deps.clock });
  const subscription = await startAlerterStage({
    bus: deps.bus,
    topics: topicNames(config.TOPIC_PREFIX),
    incidents: store,
    notifier,
    logger,
    groupId: config.ALERTER_GROUP,
    metrics: deps.metrics,
  });
  // Breach incidents follow the availability report: what it shows breached is open, what it no longer shows is not.
  const reconciler =
    config.BREACH_RECONCILE_INTERVAL_MS > 0 && services.length > 0
      ? new BreachReconciler({
          pool,
          services,
          applyDetection: (detection) => store.applyDetection(detection),
          enqueue: (records) => notifier.enqueue(records),
          clock: deps.clock,
          logger,
          intervalMs: config.BREACH_RECONCILE_INTERVAL_MS,
        })
      : null;
  reconciler?.start();
  const coverage = await startCoverageStage({
    bus: deps.bus,
    topics: topicNames(config.TOPIC_PREFIX),
    record: (checks) => recordChecks(pool, checks, config.COVERAGE_MAX_GAP_MS),
    logger,
    groupId: `${config.ALERTER_GROUP}-coverage`,
  });
  // Health and the watchdog read Redis and Kafka on their own connections, never the pipeline's.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on('error', () => deps.metrics.dependencyError('redis', 'connection'));
  const offsets = createOffsetsReader(config, { service: 'alerter', logger });
  const watchdog = config.WATCHDOG_ENABLED
    ? await startWatchdog(config, { store, notifier, redis, offsets, metrics: deps.metrics, logger, clock: deps.clock })
    : undefined;
  const topics = topicNames(config.TOPIC_PREFIX);
  const checks = [postgresCheck(pool), redisCheck(redis), ...(offsets ? [kafkaCheck(offsets, topics.detections)] : [])];
  const admin =
    deps.adminPort !== false && config.ALERTER_ADMIN_PORT > 0
      ? await startAdminServer({ port: config.ALERTER_ADMIN_PORT, host: config.ADMIN_HOST, metrics: deps.metrics, checks, logger })
      : undefined;
  logger.info({ group: config.ALERTER_GROUP, slack: slack ? 'enabled' : 'disabled' }, 'alerter consuming');
  return {
    name: 'alerter',
    ...(admin ? { url: admin.url } : {}),
    stop: orderedStop([
      async () => admin?.stop(),
      async () => watchdog?.stop(),
      () => subscription.stop(),
      () => recovery.stop(),
      () => coverage.stop(),
      () => reconciler?.stop() ?? Promise.resolve(),
      () => notifier.stop(),
      () => timers.stop(),
      () => checkpoints?.stop() ?? Promise.resolve(),
      () => findings?.stop() ?? Promise.resolve(),
      () => retention?.stop() ?? Promise.resolve(),
      () => outbound?.stop() ?? Promise.resolve(),
      async () => offsets?.stop(),
      () => redis.quit(),
      async () => epochRedis.disconnect(),
      () => pool.end(),
    ]),
  };
}

/** Signed checkpoints on a schedule, published to the configured witnesses; none without a signing key. */
function startCheckpoints(
  config: AlerterConfig,
  deps: { pool: Pool; logger: Logger; clock: Clock },
): CheckpointScheduler | null {
  const signer = loadRegisterSigner({ file: config.REGISTER_SIGNING_KEY_FILE, pem: config.REGISTER_SIGNING_KEY });
  if (!signer) {
    deps.logger.warn({}, 'REGISTER_SIGNING_KEY_FILE is not set: no signed checkpoints of the register are made');
    return null;
  }
  const witnesses: Witness[] = [];
  if (config.CHECKPOINT_WITNESS_DIR) witnesses.push(fileWitness(config.CHECKPOINT_WITNESS_DIR));
  if (config.CHECKPOINT_SLACK_CHANNEL && config.SLACK_BOT_TOKEN) {
    witnesses.push(
      slackCheckpointWitness({
        channel: config.CHECKPOINT_SLACK_CHANNEL,
        token: config.SLACK_BOT_TOKEN,
        ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
        logger: deps.logger,
      }),
    );
  }
  if (witnesses.length === 0) {
    deps.logger.warn({}, 'no checkpoint witness configured (CHECKPOINT_WITNESS_DIR, CHECKPOINT_SLACK_CHANNEL)');
  }
  const scheduler = new CheckpointScheduler({
    log: new CheckpointLog({ pool: deps.pool, clock: deps.clock, signer }),
    pool: deps.pool,
    witnesses,
    clock: deps.clock,
    logger: deps.logger,
    checkpointIntervalMs: config.CHECKPOINT_INTERVAL_MS,
    witnessIntervalMs: config.CHECKPOINT_WITNESS_INTERVAL_MS,
  });
  scheduler.start();
  return scheduler;
}

/** The vendor notification an incident owes, as the response timers check it. */
function vendorDutyFacts(pool: Pool, vendors: VendorsConfig) {
  return async (incident: { id: string; ruleId: string; detectedAt: string }): Promise<VendorDutyFacts | null> => {
    const duty = await vendorDutyOf(pool, vendors, incident);
    if (!duty) return null;
    return { vendor: duty.vendor, vendorName: duty.vendorName, dueAt: duty.dueAt, contact: duty.contact, notifiedAt: duty.notification?.notifiedAt ?? null };
  };
}
