import { NonRetryableError, ValidationError, errorMessage } from '@vigil/runtime';
import { NotificationJob, fieldErrors } from '@vigil/schema';
import { extractTrace, withSpan, type Logger } from '@vigil/telemetry';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { deliverNotification, type DeliveryDeps, type DeliveryOutcome } from './notification-delivery';

export interface NotificationWorkerOptions {
  connection: Redis;
  queueName: string;
  concurrency: number;
  deps: DeliveryDeps;
  /** Shortest wait behind an incident's earlier notification; doubles while it keeps waiting. */
  orderWaitMs: number;
  /** Records the dead notification and raises the alert about it. Throws if recording failed. */
  onDead(job: NotificationJob, reason: string): Promise<void>;
  logger: Logger;
  /**
   * BullMQ's job lock and stalled-job check. A worker that died mid-job (kill -9) holds its jobs until the
   * lock runs out; the next check hands them to a live worker. Default 30 s, BullMQ's own.
   */
  jobLockMs?: number;
}

type Completed = Exclude<DeliveryOutcome, { outcome: 'later' }>['outcome'];

/** The BullMQ side of delivery: spans, waits without spending attempts, retries, the dead state. */
export function createNotificationWorker(
  options: NotificationWorkerOptions,
): Worker<NotificationJob, Completed> {
  const { deps, logger } = options;

  const processor = async (job: Job<NotificationJob, Completed>, token?: string): Promise<Completed> => {
    const parsed = NotificationJob.safeParse(job.data);
    if (!parsed.success) {
      const error = new ValidationError('notification job data is invalid', fieldErrors(parsed.error));
      logger.error({ jobId: job.id, details: error.details }, error.message);
      throw new UnrecoverableError(error.message);
    }
    const data = parsed.data;

    const outcome = await withSpan(
      'notify.deliver',
      {
        'vigil.notification.id': data.notificationId,
        'vigil.incident.id': data.incidentId,
        'vigil.notification.kind': data.kind,
        'messaging.bullmq.attempt': job.attemptsMade + 1,
      },
      async (span) => {
        try {
          const result = await deliverNotification(data, deps, orderWait(job, options.orderWaitMs));
          span.setAttribute('vigil.notification.outcome', result.outcome);
          return result;
        } catch (error) {
          await onFailure(job, data, error);
          throw error;
        }
      },
      extractTrace(data.trace),
    ).catch((error: unknown) => {
      throw isFinal(job, error) ? new UnrecoverableError(errorMessage(error)) : error;
    });

    if (outcome.outcome === 'later') {
      // BullMQ compares delays with its own wall clock, so this uses Date.now, not the injected clock.
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      logger.debug(
        { notificationId: data.notificationId, reason: outcome.reason, delayMs: outcome.delayMs },
        'notification waits',
      );
      throw new DelayedError();
    }
    if (outcome.outcome === 'delivered') {
      logger.info(
        {
          notificationId: data.notificationId,
          incidentId: data.incidentId,
          kind: data.kind,
          messages: outcome.messages.length,
        },
        'notification delivered',
      );
    }
    return outcome.outcome;
  };

  /** Counts the attempt; on the last one (or a permanent error) the notification is dead. */
  const onFailure = async (
    job: Job<NotificationJob, Completed>,
    data: NotificationJob,
    error: unknown,
  ): Promise<void> => {
    const reason = errorMessage(error);
    if (!isFinal(job, error)) {
      logger.warn(
        { notificationId: data.notificationId, attempt: job.attemptsMade + 1, err: error },
        'notification delivery failed; will retry',
      );
      await deps.store.recordFailure(data.notificationId, reason, false).catch((recordError: unknown) => {
        logger.error(
          { notificationId: data.notificationId, err: recordError },
          'could not record the failed attempt',
        );
      });
      return;
    }
    logger.error(
      { notificationId: data.notificationId, attempt: job.attemptsMade + 1, err: error },
      'notification is dead',
    );
    // If this throws the job stays retryable (or is re-driven by the sweeper): the store must know.
    await options.onDead(data, reason);
  };

  const worker = new Worker<NotificationJob, Completed>(options.queueName, processor, {
    connection: options.connection,
    concurrency: options.concurrency,
    autorun: false,
    ...(options.jobLockMs ? { lockDuration: options.jobLockMs, stalledInterval: options.jobLockMs } : {}),
  });
  worker.on('error', (error) =>
    logger.error({ err: error, queue: options.queueName }, 'notification worker error'),
  );
  // Delivery turns every final failure it sees into an UnrecoverableError; any other job that ends
  // failed (stalled past the limit, lock lost) never reached the dead state in the store.
  worker.on('failed', (job, error) => {
    if (job?.finishedOn && !(error instanceof UnrecoverableError)) {
      logger.error(
        { jobId: job.id, err: error },
        'notification job failed outside delivery; the outbox sweeper will re-drive it',
      );
    }
  });
  return worker;
}

function isFinal(job: Job, error: unknown): boolean {
  if (error instanceof UnrecoverableError) return true;
  if (error instanceof NonRetryableError || error instanceof ValidationError) return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** Waiting behind an earlier notification: short at first, longer while the wait goes on. */
function orderWait(job: Job, baseMs: number): number {
  const waitsSoFar = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
  return Math.min(baseMs * 2 ** Math.min(waitsSoFar, 6), 30_000);
}
