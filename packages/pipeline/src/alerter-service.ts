import type { Bus } from '@vigil/bus';
import { PgIncidentStore } from '@vigil/incidents';
import { createNotifier, createResponseTimers, loadOwners } from '@vigil/notify';
import type { Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { startAlerterStage } from './alerter-stage';
import type { AlerterConfig } from './config';
import { openRegister } from './register-pool';
import { orderedStop, type RunningService } from './running-service';

/** Detections to incidents (PostgreSQL) and Slack notifications (BullMQ). */
export async function startAlerter(
  config: AlerterConfig,
  deps: { bus: Bus; logger: Logger; clock: Clock },
): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'alerter' });
  const owners = loadOwners(config.OWNERS_FILE);
  const pool = await openRegister(config.DATABASE_URL, logger, 10);
  const store = new PgIncidentStore({ pool, clock: deps.clock, logger });
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
    timers,
  });
  await notifier.start();
  if (!config.SLACK_BOT_TOKEN) logger.warn({}, 'SLACK_BOT_TOKEN is not set: notifications go to the log, marked SLACK DISABLED');
  const subscription = await startAlerterStage({
    bus: deps.bus,
    topics: topicNames(config.TOPIC_PREFIX),
    incidents: store,
    notifier,
    logger,
    groupId: config.ALERTER_GROUP,
  });
  return {
    name: 'alerter',
    stop: orderedStop([() => subscription.stop(), () => notifier.stop(), () => timers.stop(), () => pool.end()]),
  };
}
