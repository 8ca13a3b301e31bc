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
export type { EscalationStep } from './owners';
export { SLACK_ACTION_IDS, SLACK_VIEW_CALLBACKS } from './slack-actions';
export type { SlackButtonAction, SlackModalAction } from './slack-actions';
export type { IncidentFacts, ResponseFacts } from './incident-facts';
export { buildSlackInteractionsRoute, SLACK_INTERACTIONS_PATH } from './interactions/interactions-route';
export type { SlackInteractionsRouteOptions } from './interactions/interactions-route';
export { createSlackInteractionHandler, DEFAULT_ANSWER_WITHIN_MS } from './interactions/interaction-handler';
export type {
  InteractionAnswer,
  SlackInteractionHandler,
  SlackInteractionOptions,
} from './interactions/interaction-handler';
export { createSlackInteractionClient } from './interactions/slack-interaction-client';
export type {
  SlackInteractionClient,
  SlackInteractionClientOptions,
} from './interactions/slack-interaction-client';
export { verifySlackSignature, signSlackRequest } from './interactions/slack-signature';
export type { SignatureCheck, SignatureRefusal } from './interactions/slack-signature';
export { RESPONSE_FINDING_KINDS } from './interactions/incident-actions';
export type {
  IncidentActions,
  IncidentTransition,
  NotificationEnqueuer,
  ResponseFindingData,
  ResponseFindingKind,
  ResponseFindings,
} from './interactions/incident-actions';
export { createResponseTimers, timerJobId } from './escalation/response-timers';
export type {
  ResponseTimerArming,
  ResponseTimerIncidents,
  ResponseTimers,
  ResponseTimersOptions,
} from './escalation/response-timers';
export { DEFAULT_POSTMORTEM_AFTER_DAYS } from './escalation/response-checks';
export { rearmResponseTimers } from './escalation/rearm-timers';
export type { ResponseTimerSource } from './escalation/rearm-timers';
export { slackCheckpointWitness, checkpointText } from './checkpoint-witness';
export type { SlackCheckpointWitnessOptions } from './checkpoint-witness';
export { resolveOutbound } from './owners';
export type { OutboundRoute } from './owners';
// Findings out: Standard Webhooks and PagerDuty Events API v2.
export { OutboundWorker, DEFAULT_OUTBOUND_INTERVAL_MS, DEFAULT_OUTBOUND_RETRY } from './outbound/outbound-worker';
export type { OutboundWorkerOptions } from './outbound/outbound-worker';
export { outboundDestinations } from './outbound/outbound-destinations';
export type { Destination } from './outbound/outbound-destinations';
export { DEFAULT_PAGERDUTY_URL } from './outbound/outbound-senders';
export { signWebhook, verifyWebhook, webhookSecretKey, WEBHOOK_SECRET_PREFIX } from './outbound/standard-webhooks';
export { deadDeliveryReporter } from './outbound/dead-delivery-report';
export type { DeadDeliveryReportOptions } from './outbound/dead-delivery-report';
export { VENDOR_NOTIFIED_ACTION, VENDOR_NOTIFIED_CALLBACK } from './interactions/vendor-notification-modal';
export type { VendorNotificationRecorder } from './interactions/vendor-interactions';
export type { VendorDutyFacts } from './incident-facts';
