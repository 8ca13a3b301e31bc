import type { ResponseTargets } from '@vigil/incidents';
import { errorMessage, systemClock, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { withDeadline } from '../deadline';
import { dueTimes, isActive, type IncidentFacts, type VendorDutyFacts } from '../incident-facts';
import {
  RESPONSE_FINDING_KINDS,
  type ResponseFindingKind,
  type ResponseFindings,
} from '../interactions/incident-actions';
import { createSlackSender, type MessageSender } from '../message-sender';
import { vendorReminderBlocks } from '../interactions/vendor-notification-modal';
import type { MessageBlock } from '../slack-message';
import { resolveOwner, type OwnersConfig } from '../owners';
import {
  checkTimer,
  DEFAULT_POSTMORTEM_AFTER_DAYS,
  dueAtOf,
  escalationMoments,
  escalationText,
  needsPostmortem,
  type TimerSettings,
} from './response-checks';

/** Arms an incident's response timers; what the notifier and the Slack route need of them. */
export interface ResponseTimerArming {
  /**
   * Arms every timer that applies to the incident as it is now: acknowledgement while it is open and
   * unacknowledged, resolution while it is active, postmortem once a SEV1/SEV2 is resolved. Idempotent:
   * a timer already armed (or already fired) for the incident is left as it is.
   */
  sync(incident: IncidentFacts): Promise<void>;
}

export interface ResponseTimers extends ResponseTimerArming {
  /** Starts the worker that runs timers as they fall due. Arming works without it. */
  start(): Promise<void>;
  /** Idempotent: drains the worker, closes the queue and the connections it opened. */
  stop(): Promise<void>;
}

/** The register as the timers see it: read the incident when a timer fires, record what was found. */
export interface ResponseTimerIncidents extends ResponseFindings {
  getIncident(incidentId: string): Promise<IncidentFacts | null>;
}

export interface ResponseTimersOptions {
  /** A Redis URL (opened and closed here) or a client it borrows and leaves open. */
  connection: { url: string } | Redis;
  /** e.g. `vigil-response-timers`; not the notification queue. */
  queueName: string;
  incidents: ResponseTimerIncidents;
  owners: OwnersConfig;
  /** The bot token; without it, escalations are written to the log, clearly marked. */
  slack?: { token: string; apiUrl?: string; timeoutMs?: number };
  logger: Logger;
  clock?: Clock;
  /** Days after resolution a SEV1/SEV2 may go without a root cause and a postmortem link; 5 by default. */
  postmortemAfterDays?: number;
  /** Used for incidents that do not carry `ackDueAt` / `resolveDueAt`; the register's defaults otherwise. */
  responseTargets?: ResponseTargets;
  /** Attempts of one timer (a failed Slack post or register write is retried); 8 by default. */
  attempts?: number;
  backoffMs?: number;
  /** Fired timers are kept this long, so re-arming one stays a no-op; 90 days by default. */
  keepCompletedSeconds?: number;
  concurrency?: number;
  /** An arm that Redis does not confirm in this time fails. */
  armTimeoutMs?: number;
  /** The notification an incident owes a vendor (vendors file), read when arming and when the timer fires. */
  vendorDuty?: (incident: IncidentFacts) => Promise<VendorDutyFacts | null>;
}

const TimerJob = z.object({
  incidentId: z.string().min(1),
  kind: z.enum(RESPONSE_FINDING_KINDS),
  /** Index into the escalation moments: 0 at the due time, then one per later step of the chain. */
  step: z.number().int().min(0),
  /**
   * Set by the job before it records its finding: a later run of the same job (a retry after a failed post)
   * still posts, while a copy re-armed after Redis lost the original finds the finding recorded and stays quiet.
   */
  claimed: z.boolean().optional(),
});
type TimerJob = z.infer<typeof TimerJob>;

type TimerOutcome = 'escalated' | 'already-escalated' | 'cleared' | 'gone';

const TIMER_JOB = 'response-timer';
/** How long an escalation waits for the incident's first message, to be posted in its thread. */
const THREAD_GRACE_MS = 60_000;
const THREAD_RETRY_MS = 1_000;

/**
 * The job id of a timer: `<incident id>.<kind>`, with `.<step>` for a later escalation step. BullMQ refuses
 * ids with a single `:`, so the parts are joined with dots.
 */
export function timerJobId(incidentId: string, kind: ResponseFindingKind, step = 0): string {
  return step === 0 ? `${incidentId}.${kind}` : `${incidentId}.${kind}.${step}`;
}

/**
 * Acknowledgement and resolution due times, and the postmortem allowance, as BullMQ delayed jobs
 * (CC7.4/CC7.5). A timer that fires re-reads the incident, so an acknowledgement that came in time, or
 * late but before the timer ran, cancels it. An overdue one is recorded with the register and posted in
 * the incident's thread, mentioning the owner's escalation chain step by step.
 */
export function createResponseTimers(options: ResponseTimersOptions): ResponseTimers {
  const logger = options.logger.child({ component: 'response-timers', queue: options.queueName });
  const clock = options.clock ?? systemClock;
  const connection = options.connection;
  const ownsConnection = 'url' in connection && typeof connection.url === 'string';
  const redis = ownsConnection
    ? new Redis((connection as { url: string }).url, { maxRetriesPerRequest: 2 })
    : (connection as Redis);
  if (ownsConnection)
    redis.on('error', (error: Error) =>
      logger.warn({ err: error }, 'response timers Redis connection error'),
    );

  const settings: TimerSettings = {
    postmortemAfterMs: (options.postmortemAfterDays ?? DEFAULT_POSTMORTEM_AFTER_DAYS) * 24 * 3600 * 1000,
    ...(options.responseTargets ? { targets: options.responseTargets } : {}),
  };
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 8,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 5_000, jitter: 0.2 },
    removeOnComplete: { age: options.keepCompletedSeconds ?? 90 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
  const queue = new Queue<TimerJob>(options.queueName, { connection: redis });
  const sender: MessageSender | undefined = options.slack
    ? createSlackSender({ ...options.slack, logger })
    : undefined;

  const timerJob = (incidentId: string, kind: ResponseFindingKind, step: number, at: number) => ({
    name: TIMER_JOB,
    data: { incidentId, kind, step },
    // BullMQ measures delays with its own wall clock.
    opts: { ...jobOptions, jobId: timerJobId(incidentId, kind, step), delay: Math.max(0, at - Date.now()) },
  });

  const sync = async (incident: IncidentFacts): Promise<void> => {
    const jobs = [];
    const { ackDueAt, resolveDueAt } = dueTimes(incident, settings.targets);
    if (incident.status === 'open' && !incident.acknowledgedAt)
      jobs.push(timerJob(incident.id, 'ack-overdue', 0, Date.parse(ackDueAt)));
    if (isActive(incident.status))
      jobs.push(timerJob(incident.id, 'unresolved-overdue', 0, Date.parse(resolveDueAt)));
    const postmortemDue = needsPostmortem(incident)
      ? dueAtOf('postmortem-overdue', incident, settings)
      : null;
    if (postmortemDue) jobs.push(timerJob(incident.id, 'postmortem-overdue', 0, Date.parse(postmortemDue)));
    if (options.vendorDuty && incident.status !== 'dismissed') {
      const duty = await options.vendorDuty(incident);
      if (duty && !duty.notifiedAt) jobs.push(timerJob(incident.id, 'vendor-notification-overdue', 0, Date.parse(duty.dueAt)));
    }
    if (jobs.length === 0) return;
    // A job id that exists (waiting, delayed, or fired and kept) is not added again.
    await withDeadline(queue.addBulk(jobs), options.armTimeoutMs ?? 5_000, 'arming response timers');
  };

  const post = async (incident: IncidentFacts, channel: string, text: string, blocks?: MessageBlock[]): Promise<void> => {
    const thread = incident.slack;
    if (!sender) {
      logger.warn(
        { slack: 'disabled', wouldPost: { channel: thread?.channel ?? channel, text } },
        'SLACK DISABLED: escalation written to log',
      );
      return;
    }
    // In the incident's thread; before its first message exists, in the owner's channel.
    const withBlocks = blocks ? { blocks } : {};
    await sender.post(thread ? { channel: thread.channel, threadTs: thread.ts, text, ...withBlocks } : { channel, text, ...withBlocks });
  };

  const processTimer = async (job: Job<TimerJob, TimerOutcome>, token?: string): Promise<TimerOutcome> => {
    const parsed = TimerJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`response timer job ${job.id} has invalid data`);
    const { incidentId, kind, step } = parsed.data;
    const found = await options.incidents.getIncident(incidentId);
    if (!found) {
      logger.warn({ incidentId, kind }, 'response timer for an incident the register does not have');
      return 'gone';
    }
    const incident: IncidentFacts =
      kind === 'vendor-notification-overdue' ? { ...found, vendorDuty: (await options.vendorDuty?.(found)) ?? null } : found;
    const owner = resolveOwner(options.owners, incident);
    const moments = escalationMoments(kind, owner);
    const moment = moments[step];
    // The owners file changed since this step was armed and has fewer steps now.
    if (!moment) return 'cleared';

    const now = clock.now();
    const check = checkTimer(kind, incident, moment.afterMinutes, now, settings);
    if (check.state === 'cleared') {
      logger.info({ incidentId, kind, step, reason: check.reason }, 'response timer fired; nothing overdue');
      return 'cleared';
    }
    if (check.state === 'later') {
      await job.moveToDelayed(check.at, token);
      throw new DelayedError();
    }

    // Claim, record, arm the next step, then post: each is idempotent, so a retry after a failed post repeats
    // none. A finding already recorded by another job (this one was re-armed after Redis lost the original)
    // is not escalated twice.
    const key = timerJobId(incidentId, kind, step);
    const claimedBefore = parsed.data.claimed === true;
    if (!claimedBefore) await job.updateData({ ...parsed.data, claimed: true });
    const recorded = await options.incidents.recordResponseFinding(incidentId, kind, {
      key,
      dueAt: check.dueAt,
      checkedAt: new Date(now).toISOString(),
      overdueSeconds: check.overdueSeconds,
      status: incident.status,
      severity: incident.severity,
      escalationStep: step,
      notified: moment.users,
      ...(check.missing ? { missing: check.missing } : {}),
    });
    const next = moments[step + 1];
    if (next) {
      await queue.add(
        TIMER_JOB,
        { incidentId, kind, step: step + 1 },
        timerJob(incidentId, kind, step + 1, Date.parse(check.dueAt) + next.afterMinutes * 60_000).opts,
      );
    }
    if (!recorded && !claimedBefore) {
      logger.info({ incidentId, kind, step }, 'response timer fired again; already escalated, nothing posted');
      return 'already-escalated';
    }
    // An incident overdue when it opened (its first message held up) is escalated in its thread once the
    // message is there; the wait is short and bounded, after which the owner's channel is used instead.
    if (!incident.slack && sender && Date.now() - job.timestamp < THREAD_GRACE_MS) {
      await job.moveToDelayed(Date.now() + THREAD_RETRY_MS, token);
      throw new DelayedError();
    }
    const text = escalationText(kind, incident, check, { index: step, users: moment.users }, owner);
    await post(incident, owner.channel, text, kind === 'vendor-notification-overdue' ? vendorReminderBlocks(incident.id, text) : undefined);
    logger.warn(
      {
        incidentId,
        seq: incident.seq,
        kind,
        step,
        overdueSeconds: check.overdueSeconds,
        notified: moment.users,
      },
      'incident response overdue; escalated',
    );
    return 'escalated';
  };

  let workerConnection: Redis | undefined;
  let worker: Worker<TimerJob, TimerOutcome> | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const start = async (): Promise<void> => {
    workerConnection = redis.duplicate({ maxRetriesPerRequest: null });
    workerConnection.on('error', (error: Error) =>
      logger.warn({ err: error }, 'response timers worker Redis connection error'),
    );
    worker = new Worker<TimerJob, TimerOutcome>(options.queueName, processTimer, {
      connection: workerConnection,
      concurrency: options.concurrency ?? 2,
      autorun: false,
    });
    worker.on('error', (error) => logger.error({ err: error }, 'response timers worker error'));
    worker.on('failed', (job, error) => {
      if (!job || error instanceof DelayedError) return;
      const final = job.finishedOn !== undefined;
      logger[final ? 'error' : 'warn'](
        { jobId: job.id, attempt: job.attemptsMade, err: error },
        final ? 'response timer failed for good' : 'response timer failed; will retry',
      );
    });
    void worker
      .run()
      .catch((error: unknown) => logger.error({ err: error }, 'response timers worker stopped'));
    await worker.waitUntilReady();
    logger.info({ slack: sender ? 'enabled' : 'disabled' }, 'response timers started');
  };

  const stopAll = async (): Promise<void> => {
    await starting?.catch(() => undefined);
    const failures: string[] = [];
    const step = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        failures.push(`${name}: ${errorMessage(error)}`);
      }
    };
    await step('worker', async () => {
      if (!worker) return;
      try {
        await withDeadline(worker.close(), 10_000, 'response timers drain');
      } catch {
        await worker.close(true);
      }
    });
    await step('queue', () => withDeadline(queue.close(), 5_000, 'queue close'));
    await step('worker connection', async () => workerConnection?.disconnect());
    await step('connection', async () => {
      if (!ownsConnection) return;
      if (redis.status === 'ready')
        await withDeadline(redis.quit(), 2_000, 'Redis QUIT').catch(() => undefined);
      redis.disconnect();
    });
    if (failures.length > 0) throw new Error(`response timers did not stop cleanly: ${failures.join('; ')}`);
  };

  return {
    sync,
    start() {
      if (stopping) return Promise.reject(new Error('the response timers were stopped; create new ones'));
      starting ??= start();
      return starting;
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
