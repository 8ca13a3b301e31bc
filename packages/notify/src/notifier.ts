import type { NotificationRecord, NotificationStore } from '@vigil/incidents';
import { errorMessage, systemClock, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ChannelRateLimit } from './channel-rate-limit';
import { handleDeadNotification } from './dead-notification-alert';
import { DeliveryJournal } from './delivery-journal';
import type { ResponseTimerArming } from './escalation/response-timers';
import { IncidentOrder } from './incident-order';
import { withDeadline } from './deadline';
import { createSlackSender } from './message-sender';
import { settleInOrder, type DeliveryDeps } from './notification-delivery';
import { NotificationQueue, type DeliveryRetryOptions } from './notification-queue';
import { createNotificationWorker } from './notification-worker';
import { OutboxSweeper } from './outbox-sweeper';
import type { OwnersConfig } from './owners';

export interface NotifierOptions {
  /** A Redis URL (the notifier opens and closes its connections) or a client it borrows and leaves open. */
  connection: { url: string } | Redis;
  queueName: string;
  store: NotificationStore;
  owners: OwnersConfig;
  /** Without it, notifications are written to the log, clearly marked, and recorded as delivered. */
  slack?: { token: string; apiUrl?: string; timeoutMs?: number };
  logger: Logger;
  clock?: Clock;
  /** Jobs one process works on at once. */
  concurrency?: number;
  retry?: DeliveryRetryOptions;
  /** Minimum gap between new messages in one channel. */
  channelIntervalMs?: number;
  /** Shortest wait behind an incident's earlier notification before looking again. */
  orderWaitMs?: number;
  /** `false` turns the outbox sweeper off (another process runs it). */
  sweeper?: { intervalMs?: number; olderThanMs?: number; batchSize?: number } | false;
  /** Prefix of the notifier's own Redis keys (rate-limit slots, order, journal). Defaults from the queue name. */
  keyPrefix?: string;
  /** How long `stop()` lets in-flight deliveries finish before closing anyway. */
  drainTimeoutMs?: number;
  /** Job lock and stalled-job check of the worker (see `NotificationWorkerOptions.jobLockMs`). */
  jobLockMs?: number;
  /** Response timers (`createResponseTimers`), armed from each notification's incident as it is delivered. */
  timers?: ResponseTimerArming;
}

export interface Notifier {
  /** Queues pending notifications; ones already queued (same id) are not queued twice. */
  enqueue(records: NotificationRecord[], trace?: Record<string, string>): Promise<void>;
  start(): Promise<void>;
  /**
   * Re-enqueues every pending notification of the outbox now, whatever its age: after Redis was found to have
   * lost its state (their jobs are gone). Job ids are the notification ids, so none is sent twice by this.
   * Does nothing when this notifier runs no sweeper.
   */
  sweepNow(): Promise<{ enqueued: number }>;
  /** Idempotent: stops the sweeper, drains the worker, closes the queue, then the connections. */
  stop(): Promise<void>;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const logger = options.logger.child({ component: 'notifier', queue: options.queueName });
  const connection = options.connection;
  // Duck-typed rather than instanceof: a client from another copy of ioredis is still a client.
  const ownsConnection = 'url' in connection && typeof connection.url === 'string';
  // Commands fail after a few reconnect tries instead of queueing forever: an enqueue during a Redis
  // outage must fail (the outbox sweeper re-sends later) rather than stall the caller.
  const redis = ownsConnection
    ? new Redis((connection as { url: string }).url, { maxRetriesPerRequest: 2 })
    : (connection as Redis);
  if (ownsConnection)
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'notifier Redis connection error'));
  const keyPrefix = options.keyPrefix ?? `vigil:notify:${options.queueName}`;

  const order = new IncidentOrder(redis, keyPrefix);
  const journal = new DeliveryJournal(redis, keyPrefix);
  const rateLimit = new ChannelRateLimit(redis, keyPrefix, options.channelIntervalMs ?? 1000);
  const queue = new NotificationQueue(redis, options.queueName, order, options.retry);
  const sender = options.slack ? createSlackSender({ ...options.slack, logger }) : undefined;
  if (!sender) logger.warn({ slack: 'disabled' }, 'no Slack token: notifications will be written to the log');

  const deps: DeliveryDeps = {
    store: options.store,
    owners: options.owners,
    sender,
    order,
    journal,
    rateLimit,
    jobState: (id) => queue.jobState(id),
    wake: (id) => queue.wake(id),
    logger,
    clock: options.clock ?? systemClock,
    ...(options.timers ? { timers: options.timers } : {}),
  };
  const sweeper =
    options.sweeper === false
      ? undefined
      : new OutboxSweeper({
          store: options.store,
          enqueue: (records) => queue.enqueue(records, {}),
          retryFailed: (ids) => queue.retryFailed(ids),
          logger,
          ...options.sweeper,
        });

  let workerConnection: Redis | undefined;
  let worker: Worker | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const start = async (): Promise<void> => {
    // BullMQ's blocking commands need `maxRetriesPerRequest: null`, which a borrowed client may not have.
    workerConnection = redis.duplicate({ maxRetriesPerRequest: null });
    workerConnection.on('error', (error: Error) =>
      logger.warn({ err: error }, 'notifier worker Redis connection error'),
    );
    worker = createNotificationWorker({
      connection: workerConnection,
      queueName: options.queueName,
      concurrency: options.concurrency ?? 4,
      deps,
      orderWaitMs: options.orderWaitMs ?? 1000,
      ...(options.jobLockMs ? { jobLockMs: options.jobLockMs } : {}),
      onDead: async (job, reason) => {
        await handleDeadNotification(job, reason, {
          store: options.store,
          owners: options.owners,
          sender,
          rateLimit,
          logger,
        });
        await settleInOrder(job.incidentId, job.notificationId, deps);
      },
      logger,
    });
    // `run()` resolves only when the worker closes; its failures surface through the 'error' event.
    void worker
      .run()
      .catch((error: unknown) => logger.error({ err: error }, 'notification worker stopped with an error'));
    await worker.waitUntilReady();
    sweeper?.start();
    logger.info(
      { slack: sender ? 'enabled' : 'disabled', concurrency: options.concurrency ?? 4 },
      'notifier started',
    );
  };

  const stopAll = async (): Promise<void> => {
    await starting?.catch(() => undefined);
    const failures: string[] = [];
    const step = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        failures.push(`${name}: ${errorMessage(error)}`);
        logger.error({ err: error, step: name }, 'notifier stop step failed');
      }
    };
    await step('sweeper', async () => sweeper?.stop());
    await step('worker', async () =>
      worker ? closeWithin(worker, options.drainTimeoutMs ?? 10_000) : undefined,
    );
    await step('queue', () => withDeadline(queue.close(), 5_000, 'queue close'));
    await step('worker connection', async () =>
      workerConnection ? closeConnection(workerConnection) : undefined,
    );
    await step('connection', async () => (ownsConnection ? closeConnection(redis) : undefined));
    if (failures.length > 0) throw new Error(`notifier did not stop cleanly: ${failures.join('; ')}`);
    logger.info({}, 'notifier stopped');
  };

  return {
    enqueue: (records, trace) => queue.enqueue(records, trace),
    sweepNow: async () => ({ enqueued: sweeper ? (await sweeper.sweepOnce(0)).enqueued : 0 }),
    start() {
      if (stopping) return Promise.reject(new Error('the notifier was stopped; create a new one'));
      starting ??= start();
      return starting;
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}

/** Lets in-flight jobs finish; past the deadline, closes anyway (their locks expire and they run again). */
async function closeWithin(worker: Worker, timeoutMs: number): Promise<void> {
  try {
    await withDeadline(worker.close(), timeoutMs, 'worker drain');
  } catch {
    await worker.close(true);
  }
}

/** QUIT when connected (lets queued replies arrive); a connection that is down is just dropped. */
async function closeConnection(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await withDeadline(client.quit(), 2_000, 'Redis QUIT');
  } finally {
    client.disconnect();
  }
}
