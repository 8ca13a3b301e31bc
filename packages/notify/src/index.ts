export { createNotifier } from './notifier';
export type { Notifier, NotifierOptions } from './notifier';
export { OwnersConfig, loadOwners, parseOwners, resolveOwner, UNOWNED_TEAM } from './owners';
export type { OwnerEntry, ResolvedOwner } from './owners';
export {
  incidentMessage,
  followUpText,
  deadNotificationText,
  formatDuration,
  incidentRef,
} from './slack-message';
export type { SlackMessage, MessageBlock, DeadNotification } from './slack-message';
export { DEFAULT_RETRY, jobIdFor } from './notification-queue';
export type { DeliveryRetryOptions } from './notification-queue';
