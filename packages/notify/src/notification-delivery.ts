import type { DeliveredMessage, NotificationRecord, NotificationStore } from '@vigil/incidents';
import { faultPoint, NonRetryableError, RetryableError, type Clock } from '@vigil/runtime';
import type { NotificationJob } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import type { ChannelRateLimit } from './channel-rate-limit';
import type { DeliveryJournal } from './delivery-journal';
import type { ResponseTimerArming } from './escalation/response-timers';
import { planDelivery, type DeliveryStep } from './delivery-plan';
import type { IncidentOrder, JobStateName } from './incident-order';
import type { MessageSender, PostMarker } from './message-sender';
import { resolveOwner, type OwnersConfig } from './owners';
import { classifySlackError, slackAnswered } from './slack-errors';

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
 * Delivers one notification: reads the incident as it is now and the change as it happened, waits its turn
 * behind the incident's earlier notifications and the channel's rate limit, makes the Slack calls not yet
 * made, records them.
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
  const facts = notification.facts ?? job.facts;
  // Before any Slack call, so a Slack outage does not keep the timers from being armed. A failure here must
  // not hold up the message people are waiting for: it is logged, and the next notification arms again.
  // A change found in history (backfill, replay) pages nobody, so it arms no escalation either.
  if (facts?.historical !== true) {
    await deps.timers?.sync(incident).catch((error: unknown) => {
      logger.error({ err: error, incidentId: incident.id }, 'could not arm the response timers');
    });
  }

  // Re-added here too, so a job that reached the queue without its order entry still queues up.
  await order.add([notification]);
  const blockedBy = await order.blockedBy(incident.id, notification.id, {
    jobState: deps.jobState,
    stillPending: async (id) => (await store.loadForDelivery(id))?.notification.status === 'pending',
  });
  if (blockedBy) return { outcome: 'later', delayMs: orderWaitMs, reason: 'incident-order', blockedBy };
  // The register's word on order, which survives a Redis that lost the index above: an earlier notification
  // of the incident that is neither sent nor dead goes first (the outbox sweeper re-drives it if its job is gone).
  if (loaded.earlierPending !== 0)
    return { outcome: 'later', delayMs: orderWaitMs, reason: 'incident-order' };

  const owner = resolveOwner(deps.owners, incident);
  const previousDetectionCount =
    notification.kind === 'updated' && !facts ? await journal.announcedCount(incident.id) : undefined;
  const plan = planDelivery({
    kind: notification.kind,
    incident,
    facts,
    owner,
    slackEnabled: deps.sender !== undefined,
    previousDetectionCount,
  });

  const done = await journal.stepsDone(notification.id);
  const newMessagesSent = plan.steps.every(
    (step) => !(step.step === 'post' || step.step === 'reply') || done.has(step.step),
  );
  const acquired = Boolean(plan.postsTo && !newMessagesSent);
  if (acquired) {
    const waitMs = await deps.rateLimit.tryAcquire(plan.postsTo!);
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
    const call = inThreadOfPost(step, messages);
    let found: DeliveredMessage | undefined;
    let noted = false;
    try {
      ({ found, noted } = await postedBefore(call, notification, deps));
      message = found ?? (await makeCall(call, deps, { notificationId: notification.id, step: step.step }));
    } catch (error) {
      // Slack refused the call this attempt noted: nothing to look for next time.
      if (noted && slackAnswered(error))
        await store.clearSlackAttempt(notification.id, step.step).catch(() => undefined);
      const failure = classifySlackError(error);
      const context = `${step.step} to ${step.channel}: ${failure.reason}`;
      // Whichever step failed, the slot taken for this delivery's new messages is not in flight any more.
      if (acquired && failure.kind !== 'rate-limited')
        await deps.rateLimit.released(plan.postsTo!).catch(() => undefined);
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
    if (!found && message.method === 'chat.postMessage') faultPoint('alerter.after-slack-post');
    await journal.recordStep(notification.id, step.step, message);
    if (step.step === 'post') await deps.rateLimit.learnChannelId(step.channel, message.channel);
    if (step.step === 'post' || step.step === 'reply') await deps.rateLimit.posted(step.channel);
    messages.push(message);
  }

  await store.recordDelivery(notification.id, messages);
  await journal.recordAnnouncedCount(incident.id, incident.detectionCount);
  await settleInOrder(incident.id, notification.id, deps);
  return { outcome: 'delivered', messages };
}

/** How far back an earlier attempt's post is looked for: the ts noted before it, less clock skew with Slack. */
const SLACK_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A post or reply an earlier attempt made before it died (kill -9 between the Slack call and the journal
 * write) or before Redis lost the journal, found in Slack by its marker rather than posted twice. The first
 * attempt notes in the register when it calls Slack; only a later attempt that finds that note and no
 * journalled step reads Slack's history. If Slack cannot be read (a missing scope, an outage) the post is
 * made again: twice rather than never.
 */
async function postedBefore(
  step: DeliveryStep,
  notification: NotificationRecord,
  deps: DeliveryDeps,
): Promise<{ found?: DeliveredMessage; noted: boolean }> {
  if ((step.step !== 'post' && step.step !== 'reply') || !deps.sender?.findPosted) return { noted: false };
  const notificationId = notification.id;
  const earlier = notification.slackAttempts?.[step.step];
  if (!earlier) {
    // Before the call, and durable: a note lost with Redis would let a retry post again unseen.
    await deps.store.recordSlackAttempt(
      notificationId,
      step.step,
      slackTs(deps.clock.now() - SLACK_CLOCK_SKEW_MS),
    );
    return { noted: true };
  }
  try {
    const found = await deps.sender.findPosted({
      channel: step.channel,
      ...(step.step === 'reply' && step.threadTs ? { threadTs: step.threadTs } : {}),
      marker: { notificationId, step: step.step },
      oldestTs: earlier,
    });
    if (found)
      deps.logger.info(
        { notificationId, step: step.step, ts: found.ts },
        'Slack already has this message from an earlier attempt; not posting it again',
      );
    return found ? { found, noted: false } : { noted: false };
  } catch (error) {
    deps.logger.warn(
      { err: error, notificationId, step: step.step },
      "could not read Slack to look for an earlier attempt's message; posting (it may appear twice)",
    );
    return { noted: false };
  }
}

function slackTs(ms: number): string {
  return `${Math.floor(ms / 1000)}.000000`;
}

/** A reply to the message this delivery posted goes in that message's thread, in the channel Slack named. */
function inThreadOfPost(step: DeliveryStep, earlier: DeliveredMessage[]): DeliveryStep {
  if (step.step !== 'reply' || step.threadTs) return step;
  const posted = earlier.find((message) => message.method === 'chat.postMessage' && !message.threadTs);
  if (!posted) throw new NonRetryableError('a reply planned without a thread and without a post before it');
  return { ...step, channel: posted.channel, threadTs: posted.ts };
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

async function makeCall(
  step: DeliveryStep,
  deps: DeliveryDeps,
  marker: PostMarker,
): Promise<DeliveredMessage> {
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
      return sender.post({ channel: step.channel, text: step.text, blocks: step.blocks, marker });
    case 'update':
      return sender.update({ channel: step.channel, ts: step.ts, text: step.text, blocks: step.blocks });
    case 'reply':
      return sender.post({
        channel: step.channel,
        text: step.text,
        ...(step.threadTs ? { threadTs: step.threadTs } : {}),
        marker,
      });
  }
}
