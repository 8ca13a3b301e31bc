import type { IncidentView, NotificationStore } from '@vigil/incidents';
import { errorMessage } from '@vigil/runtime';
import type { NotificationJob } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import type { ChannelRateLimit } from './channel-rate-limit';
import type { MessageSender } from './message-sender';
import { resolveOwner, type OwnersConfig } from './owners';
import { deadNotificationText } from './slack-message';

export interface DeadNotificationDeps {
  store: NotificationStore;
  owners: OwnersConfig;
  sender: MessageSender | undefined;
  rateLimit: ChannelRateLimit;
  logger: Logger;
  /** Longest the alert waits for a slot in the fallback channel before posting anyway. */
  maxSlotWaitMs?: number;
}

/**
 * Marks the notification dead in the store (throws if that fails, so the job is retried), then tells
 * the fallback channel. The alert is best effort: when it cannot be posted either, it is logged.
 */
export async function handleDeadNotification(
  job: NotificationJob,
  reason: string,
  deps: DeadNotificationDeps,
): Promise<void> {
  await deps.store.recordFailure(job.notificationId, reason, true);

  let incident: IncidentView | undefined;
  try {
    incident = (await deps.store.loadForDelivery(job.notificationId))?.incident;
  } catch (error) {
    deps.logger.warn(
      { notificationId: job.notificationId, err: error },
      'could not load the incident for the dead-notification alert',
    );
  }
  const channel = incident
    ? (incident.slack?.channel ?? resolveOwner(deps.owners, incident).channel)
    : undefined;
  const text = deadNotificationText({
    ...job,
    ...(incident ? { incident } : {}),
    ...(channel ? { channel } : {}),
    reason,
  });
  const fallbackChannel = deps.owners.fallbackChannel;
  const alert = {
    notificationId: job.notificationId,
    incidentId: job.incidentId,
    channel: fallbackChannel,
    text,
  };

  if (!deps.sender) {
    deps.logger.error(
      { slack: 'disabled', wouldPost: alert },
      'SLACK DISABLED: dead notification alert written to log',
    );
    return;
  }
  try {
    await waitForSlot(deps, fallbackChannel);
    try {
      await deps.sender.post({ channel: fallbackChannel, text });
    } finally {
      await deps.rateLimit.posted(fallbackChannel).catch(() => undefined);
    }
    deps.logger.warn(alert, 'dead notification reported to the fallback channel');
  } catch (error) {
    deps.logger.error(
      { ...alert, err: error, alertError: errorMessage(error) },
      'could not report the dead notification to Slack either',
    );
  }
}

async function waitForSlot(deps: DeadNotificationDeps, channel: string): Promise<void> {
  const deadline = Date.now() + (deps.maxSlotWaitMs ?? 5_000);
  for (;;) {
    const waitMs = await deps.rateLimit.tryAcquire(channel);
    if (waitMs === 0 || Date.now() + waitMs > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
