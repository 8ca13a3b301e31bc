import type { NotificationRecord } from '@vigil/incidents';
import { NotificationJob } from '@vigil/schema';
import { injectTrace } from '@vigil/telemetry';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { withDeadline } from './deadline';
import type { IncidentOrder, JobStateName } from './incident-order';

export interface DeliveryRetryOptions {
  /** Attempts before a notification is dead; waits for rate limits and for its turn do not count. */
  attempts?: number;
  /** First retry delay; doubles each attempt (with jitter). */
  backoffMs?: number;
  /** Completed job ids are kept this long, so a re-enqueue after success stays a no-op. */
  keepCompletedSeconds?: number;
  keepFailedSeconds?: number;
  /** An enqueue that Redis does not confirm in this time fails, leaving the notification to the sweeper. */
  enqueueTimeoutMs?: number;
}

export const DEFAULT_RETRY: Required<DeliveryRetryOptions> = {
  attempts: 12,
  // 12 attempts from 2 s: the last retry comes roughly 1 h 8 m after the first failure.
  backoffMs: 2_000,
  keepCompletedSeconds: 24 * 3600,
  keepFailedSeconds: 7 * 24 * 3600,
  enqueueTimeoutMs: 5_000,
};

/** The job name; one queue carries only notifications. */
export const NOTIFICATION_JOB = 'notification';

/**
 * BullMQ refuses integer-looking ids and ids with `:`; those are encoded, every other id is used as is,
 * so `jobId = notificationId` for the ids the store makes (UUIDs).
 */
export function jobIdFor(notificationId: string): string {
  if (String(Number.parseInt(notificationId, 10)) !== notificationId && !notificationId.includes(':'))
    return notificationId;
  return `n_${Buffer.from(notificationId, 'utf8').toString('base64url')}`;
}

export class NotificationQueue {
  readonly queue: Queue<NotificationJob>;
  private readonly jobOptions: JobsOptions;
  private readonly enqueueTimeoutMs: number;

  constructor(
    connection: Redis,
    readonly name: string,
    private readonly order: IncidentOrder,
    retry: DeliveryRetryOptions = {},
  ) {
    const settings = { ...DEFAULT_RETRY, ...retry };
    this.enqueueTimeoutMs = settings.enqueueTimeoutMs;
    this.jobOptions = {
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs, jitter: 0.2 },
      removeOnComplete: { age: settings.keepCompletedSeconds },
      removeOnFail: { age: settings.keepFailedSeconds },
    };
    this.queue = new Queue<NotificationJob>(name, { connection });
  }

  /**
   * One job per pending notification, its id the notification id: enqueueing twice yields one job.
   * The trace is the caller's (the incident change), so the delivery shows up in the same trace.
   */
  async enqueue(
    records: readonly NotificationRecord[],
    trace: Record<string, string> = injectTrace(),
  ): Promise<void> {
    const pending = records.filter((record) => record.status === 'pending');
    if (pending.length === 0) return;
    const jobs = pending.map((record) => ({
      name: NOTIFICATION_JOB,
      data: NotificationJob.parse({
        notificationId: record.id,
        incidentId: record.incidentId,
        kind: record.kind,
        ...(record.facts ? { facts: record.facts } : {}),
        trace,
      }),
      opts: { ...this.jobOptions, jobId: jobIdFor(record.id) },
    }));
    // Order entries first: a job must never run before its incident's line knows about it.
    // BullMQ waits for a connection that is down instead of failing; the caller must not stall on it.
    await withDeadline(
      (async () => {
        await this.order.add(pending);
        await this.queue.addBulk(jobs);
      })(),
      this.enqueueTimeoutMs,
      `enqueueing ${jobs.length} notification(s)`,
    );
  }

  /**
   * Jobs that failed for good while their notification is still pending (the worker died mid-job, or
   * recording the failure did not work): started again, since the store has not given up on them.
   */
  async retryFailed(notificationIds: readonly string[]): Promise<number> {
    let retried = 0;
    for (const id of notificationIds) {
      const job = await this.queue.getJob(jobIdFor(id));
      if (job && (await job.isFailed())) {
        await job.retry('failed');
        retried += 1;
      }
    }
    return retried;
  }

  async jobState(notificationId: string): Promise<JobStateName> {
    const state = await this.queue.getJobState(jobIdFor(notificationId));
    return state === 'unknown' ? 'missing' : state;
  }

  /** Moves a delayed job forward to now; a job in any other state is left as it is. */
  async wake(notificationId: string): Promise<void> {
    const job = await this.queue.getJob(jobIdFor(notificationId));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
