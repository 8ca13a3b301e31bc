import type { DeliveredMessage, NotificationStore } from '@vigil/incidents';
import { NonRetryableError, RetryableError, type Clock } from '@vigil/runtime';
import type { NotificationJob } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import type { ChannelRateLimit } from './channel-rate-limit';
import type { DeliveryJournal } from './delivery-journal';
import type { ResponseTimerArming } from './escalation/response-timers';
import { planDelivery, type DeliveryStep } from './delivery-plan';
import type { IncidentOrder, JobStateName } from './incident-order';
import type { MessageSender } from './message-sender';
import { resolveOwner, type OwnersConfig } from './owners';
import { classifySlackError } from './slack-errors';

export interface DeliveryDeps {
  store: NotificationStore;
  owners: OwnersConfig;
  /** Undefined when no Slack token is configured: messages go to the log instead. */
  sender: MessageSender | undefined;
  order: IncidentOrder;
  journal: DeliveryJournal;
  rateLimit: ChannelRateLimit;
  jobState(notificationId: string): Promise<JobStateName>;
  /** Wakes a job that is waiting (delayed) for its turn, so it need not sleep out its delay. */
  wake(notificationId: string): Promise<void>;
  logger: Logger;
  clock: Clock;
  /** Armed from every notification's incident, so acknowledgement and resolution timers exist from the start. */
  timers?: ResponseTimerArming;
}

/** Expected outcomes are values; failures are thrown as RetryableError / NonRetryableError. */
export type DeliveryOutcome =
  | { outcome: 'delivered'; messages: DeliveredMessage[] }
  | { outcome: 'skipped'; reason: 'unknown-notification' | 'already-sent' | 'already-dead' }
  /** Not now, and not a failure: try again after `delayMs` without spending an attempt. */
  | {
      outcome: 'later';
      delayMs: number;
      reason: 'incident-order' | 'channel-rate-limit' | 'slack-rate-limit';
      blockedBy?: string;
    };

/**
 * Delivers one notification: reads the incident as it is now, waits its turn behind the incident's
 * earlier notifications and the channel's rate limit, makes the Slack calls not yet made, records them.
 */
export async function deliverNotification(
  job: NotificationJob,
  deps: DeliveryDeps,
  /** How long to wait when an earlier notification of the incident is still in the way. */
  orderWaitMs: number,
): Promise<DeliveryOutcome> {
  const { store, order, journal, logger } = deps;
  const loaded = await store.loadForDelivery(job.notificationId);
  if (!loaded) {
    logger.error(
      { notificationId: job.notificationId, incidentId: job.incidentId },
      'notification not found in the store; nothing to deliver',
    );
    await settleInOrder(job.incidentId, job.notificationId, deps);
    return { outcome: 'skipped', reason: 'unknown-notification' };
  }
  const { notification, incident } = loaded;
  if (notification.status !== 'pending') {
    await settleInOrder(incident.id, notification.id, deps);
    return { outcome: 'skipped', reason: notification.status === 'sent' ? 'already-sent' : 'already-dead' };
  }
  // Before any Slack call, so a Slack outage does not keep the timers from being armed. A failure here must
  // not hold up the message people are waiting for: it is logged, and the next notification arms again.
  await deps.timers?.sync(incident).catch((error: unknown) => {
    logger.error({ err: error, incidentId: incident.id }, 'could not arm the response timers');
  });

  // Re-added here too, so a job that reached the queue without its order entry still queues up.
  await order.add([notification]);
  const blockedBy = await order.blockedBy(incident.id, notification.id, {
    jobState: deps.jobState,
    stillPending: async (id) => (await store.loadForDelivery(id))?.notification.status === 'pending',
  });
  if (blockedBy) return { outcome: 'later', delayMs: orderWaitMs, reason: 'incident-order', blockedBy };

  const owner = resolveOwner(deps.owners, incident);
  const previousDetectionCount =
    notification.kind === 'updated' ? await journal.announcedCount(incident.id) : undefined;
  const plan = planDelivery({
    kind: notification.kind,
    incident,
    owner,
    slackEnabled: deps.sender !== undefined,
    previousDetectionCount,
  });
  if (plan.type === 'wait-for-first-message') {
    throw new RetryableError(`${incident.id}: the incident's first Slack message is not posted yet`);
  }

  const done = await journal.stepsDone(notification.id);
  const newMessagesSent = plan.steps.every(
    (step) => !(step.step === 'post' || step.step === 'reply') || done.has(step.step),
  );
  if (plan.postsTo && !newMessagesSent) {
    const waitMs = await deps.rateLimit.tryAcquire(plan.postsTo);
    if (waitMs > 0) return { outcome: 'later', delayMs: waitMs, reason: 'channel-rate-limit' };
  }

  const messages: DeliveredMessage[] = [];
  for (const step of plan.steps) {
    const already = done.get(step.step);
    if (already) {
      messages.push(already);
      continue;
    }
    let message: DeliveredMessage;
    try {
      message = await makeCall(step, deps);
    } catch (error) {
      const failure = classifySlackError(error);
      const context = `${step.step} to ${step.channel}: ${failure.reason}`;
      if (failure.kind === 'rate-limited') {
        await deps.rateLimit.holdFor(step.channel, failure.retryAfterMs);
        logger.warn(
          { notificationId: notification.id, channel: step.channel, retryAfterMs: failure.retryAfterMs },
          'Slack rate limited the call; waiting as asked',
        );
        return { outcome: 'later', delayMs: failure.retryAfterMs, reason: 'slack-rate-limit' };
      }
      if (failure.kind === 'permanent') throw new NonRetryableError(context, { cause: error });
      throw new RetryableError(context, undefined, { cause: error });
    }
    await journal.recordStep(notification.id, step.step, message);
    if (step.step === 'post') await deps.rateLimit.learnChannelId(step.channel, message.channel);
    messages.push(message);
  }

  await store.recordDelivery(notification.id, messages);
  await journal.recordAnnouncedCount(incident.id, incident.detectionCount);
  await settleInOrder(incident.id, notification.id, deps);
  return { outcome: 'delivered', messages };
}

/** Done with this one (sent, dead or unknown): let the incident's next notification go now. */
export async function settleInOrder(
  incidentId: string,
  notificationId: string,
  deps: Pick<DeliveryDeps, 'order' | 'wake'>,
): Promise<void> {
  const next = await deps.order.settle(incidentId, notificationId);
  if (next) await deps.wake(next);
}

async function makeCall(step: DeliveryStep, deps: DeliveryDeps): Promise<DeliveredMessage> {
  const sender = deps.sender;
  if (step.step === 'log' || !sender) {
    const followUp = step.step === 'log' ? step.followUp : undefined;
    deps.logger.warn(
      {
        slack: 'disabled',
        wouldPost: { channel: step.channel, text: step.text, ...(followUp ? { followUp } : {}) },
      },
      'SLACK DISABLED: notification written to log',
    );
    return {
      method: 'log',
      channel: step.channel,
      ts: `log-${deps.clock.now()}`,
      text: followUp ? `${step.text}\n${followUp}` : step.text,
    };
  }
  switch (step.step) {
    case 'post':
      return sender.post({ channel: step.channel, text: step.text, blocks: step.blocks });
    case 'update':
      return sender.update({ channel: step.channel, ts: step.ts, text: step.text, blocks: step.blocks });
    case 'reply':
      return sender.post({ channel: step.channel, text: step.text, threadTs: step.threadTs });
  }
}
